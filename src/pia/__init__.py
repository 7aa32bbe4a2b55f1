"""pia: 特定個人情報保護評価書を YAML から検査・出力する。"""
__version__ = "0.2.0"
# The name pia is installed under (`pip install pia-hyoka`); the command and the import name are `pia`.
DISTRIBUTION = "pia-hyoka"
