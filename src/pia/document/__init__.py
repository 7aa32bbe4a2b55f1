"""A loaded 事務 folder: prescan, loader, validation, the documents it holds, values and blocks."""
