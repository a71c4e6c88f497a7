#!/usr/bin/python3
"""swag's ObjectNet mapping (doc/formats.md) from ObjectNet's published name mapping.

    tools/objectnet_mapping.py --objectnet-to-imagenet objectnet_to_imagenet_1k.json \\
        --imagenet-names in1k_names.txt [--classes objectnet_classes.txt] --out mapping.json

--objectnet-to-imagenet: ObjectNet's JSON object, ObjectNet class name -> its IN-1k class names
joined by "; ". --imagenet-names: the IN-1k class names, one a line, in class-index order,
spelled as in that file. --classes: the ObjectNet class names, one a line, in the label order of
the ObjectNet shards (default: the JSON's names sorted). Writes the file atomically. Exit codes
(doc/cli.md): 2 bad command line, 4 bad input (the file and the entry named), 5 unreadable.
"""
import argparse
import json
import os
import sys
import tempfile

USAGE, INPUT, IO = 2, 4, 5


class MappingError(Exception):
    def __init__(self, message, code=INPUT):
        super().__init__(message)
        self.code = code


def read_text(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise MappingError(f"{path}: cannot read the {what}: {e}", IO)


def lines_of(path, what):
    return [line.strip() for line in read_text(path, what).splitlines()]


def build(objectnet_to_imagenet, imagenet_names, classes=None):
    try:
        published = json.loads(read_text(objectnet_to_imagenet, "ObjectNet mapping"))
    except ValueError as e:
        raise MappingError(f"{objectnet_to_imagenet}: not JSON: {e}")
    if not isinstance(published, dict) or not all(isinstance(v, str) for v in published.values()):
        raise MappingError(f"{objectnet_to_imagenet}: expected an object of name -> \"a; b\" strings")
    names = lines_of(imagenet_names, "IN-1k names")
    index = {}
    for i, n in enumerate(names):
        if n in index:
            raise MappingError(f"{imagenet_names}:{i + 1}: '{n}' also on line {index[n] + 1}")
        index[n] = i
    order = sorted(published) if classes is None else [c for c in lines_of(classes, "classes") if c]
    out, owner = [], {}
    for o, name in enumerate(order):
        if name not in published:
            raise MappingError(f"{classes}:{o + 1}: '{name}' is not in {objectnet_to_imagenet}")
        ids = []
        for part in (p.strip() for p in published[name].split(";")):
            if part not in index:
                raise MappingError(f"{objectnet_to_imagenet}: '{name}' maps '{part}', which is not a "
                                   f"line of {imagenet_names}")
            i = index[part]
            if i in owner:
                raise MappingError(f"{objectnet_to_imagenet}: '{part}' maps to both '{owner[i]}' "
                                   f"and '{name}'")
            owner[i] = name
            ids.append(i)
        out.append({"objectnet": o, "name": name, "in1k": sorted(ids)})
    return {"format": "swag-objectnet-mapping", "in1k_classes": len(names), "classes": out}


def write_atomically(path, doc):
    folder = os.path.dirname(os.path.abspath(path))
    temp = None
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        os.replace(temp, path)
    except OSError as e:
        if temp and os.path.exists(temp):
            os.remove(temp)
        raise MappingError(f"{path}: cannot write: {e.strerror}", IO)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="objectnet_mapping.py", description=__doc__.splitlines()[0])
    ap.add_argument("--objectnet-to-imagenet", required=True)
    ap.add_argument("--imagenet-names", required=True)
    ap.add_argument("--classes")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    try:
        doc = build(a.objectnet_to_imagenet, a.imagenet_names, a.classes)
        write_atomically(a.out, doc)
    except MappingError as e:
        print(f"swag: error: {e}", file=sys.stderr)
        return e.code
    print(f"objectnet_mapping: {len(doc['classes'])} ObjectNet classes, "
          f"{sum(len(c['in1k']) for c in doc['classes'])} IN-1k classes -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
