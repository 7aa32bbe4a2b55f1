from pia.app.cli import main

raise SystemExit(main())
