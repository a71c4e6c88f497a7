"""Runs a postprocess tool as a Python without a TOML reader would (3.9/3.10 without tomli).

    without_toml_reader.py TOOL.py ARGS...
"""
import os
import runpy
import sys

sys.modules["tomllib"] = sys.modules["tomli"] = None  # import now raises ModuleNotFoundError
tool = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(tool)))
runpy.run_path(tool, run_name="__main__")
