"""What the postprocess tools need of Python: 3.9 or newer, and a TOML reader (tomllib from 3.11,
or the same parser as the tomli package on 3.9 and 3.10). Fails with one clear line otherwise."""
import sys

if sys.version_info < (3, 9):
    sys.exit(f"swag: error: the postprocess tools need Python 3.9 or newer; this is "
             f"{sys.version.split()[0]} ({sys.executable}); set SWAG_PYTHON to a newer one")

try:
    import tomllib  # noqa: F401  (Python 3.11+)
except ModuleNotFoundError:
    try:
        import tomli as tomllib  # noqa: F401  (PyPI, for Python 3.9 and 3.10)
    except ModuleNotFoundError:
        sys.exit(f"swag: error: Python {sys.version.split()[0]} ({sys.executable}) has no TOML "
                 f"reader: use Python 3.11 or newer, or install tomli "
                 f"(python3 -m pip install --user tomli)")
