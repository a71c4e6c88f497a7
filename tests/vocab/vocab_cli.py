"""Bad input to `swag vocab`: each case must print a `swag: error:` line naming the file (and
line), exit with the documented code (doc/cli.md), and leave no output file behind.

    vocab_cli.py SWAG_EXE WORDNET_DIR CASE WORKDIR
"""
import json
import os
import shutil
import subprocess
import sys

USAGE, INPUT, IO = 2, 4, 5


def run(swag, *args):
    return subprocess.run([swag, "vocab", *args], capture_output=True)


def expect_error(result, code, text, output=None):
    stderr = result.stderr.decode("utf-8", "replace")
    lines = [l for l in stderr.splitlines() if l.startswith("swag: error:")]
    assert result.returncode == code, f"exit {result.returncode}, expected {code}\n{stderr}"
    assert any(text in l for l in lines), f"'{text}' not in {lines}"
    if output:
        folder, name = os.path.split(output)
        leftovers = [f for f in os.listdir(folder) if f.startswith(name)] if os.path.isdir(folder) else []
        assert not leftovers, f"left behind: {leftovers}"
    print(f"ok: exit {code}: {lines[0]}")


def write(work, name, data):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def wordnet_copy(wordnet, work, replace=None):
    """A WordNet folder of links to the real files, with `replace` = (name, bytes or None)."""
    folder = os.path.join(work, "wordnet")
    os.makedirs(folder)
    for name in os.listdir(wordnet):
        os.symlink(os.path.join(wordnet, name), os.path.join(folder, name))
    if replace:
        name, data = replace
        os.remove(os.path.join(folder, name))
        if data is not None:
            write(folder, name, data)
    return folder


def small_vocab(swag, wordnet, work):
    counts = write(work, "counts.tsv", "dog\t5\ncrane\t3\ncat\t1\n")
    vocab = os.path.join(work, "vocab.json")
    result = run(swag, "build", "--wordnet", wordnet, "--hashtags", counts, "--output", vocab)
    assert result.returncode == 0, result.stderr
    # the paper's default keeps hashtags used more than once: #cat (once) is dropped
    with open(vocab) as f:
        v = json.load(f)
    assert v["min_count"] == 2 and "cat" not in v["hashtags"] and "dog" in v["hashtags"], v
    return vocab


def case_missing_wordnet_dir(swag, wordnet, work):
    expect_error(run(swag, "lookup", "--wordnet", "/nonexistent/wordnet", "dog"), IO,
                 "/nonexistent/wordnet")


def case_missing_wordnet_file(swag, wordnet, work):
    folder = wordnet_copy(wordnet, work, ("data.noun", None))
    expect_error(run(swag, "lookup", "--wordnet", folder, "dog"), IO, folder + "/data.noun")


def case_malformed_wordnet_file(swag, wordnet, work):
    with open(os.path.join(wordnet, "index.noun"), "rb") as f:
        lines = f.read().split(b"\n")
    lines[100] = b"dog n two 0 1 0 0"
    folder = wordnet_copy(wordnet, work, ("index.noun", b"\n".join(lines)))
    expect_error(run(swag, "lookup", "--wordnet", folder, "dog"), INPUT, "index.noun:101")


def case_lookup_missing_input(swag, wordnet, work):
    missing = os.path.join(work, "none.txt")
    expect_error(run(swag, "lookup", "--wordnet", wordnet, "--input", missing), IO, missing)


def case_lookup_bad_utf8(swag, wordnet, work):
    path = write(work, "hashtags.txt", b"dog\ncaf\xe9\n")
    expect_error(run(swag, "lookup", "--wordnet", wordnet, "--input", path), INPUT,
                 path + ":2: not valid UTF-8")


def case_lookup_nothing_to_look_up(swag, wordnet, work):
    expect_error(run(swag, "lookup", "--wordnet", wordnet), USAGE, "--input FILE or hashtags")


def case_build_bad_line(swag, wordnet, work):
    counts = write(work, "counts.tsv", "dog\t5\ncrane\t3\ncat 4\n")
    output = os.path.join(work, "vocab.json")
    expect_error(run(swag, "build", "--wordnet", wordnet, "--hashtags", counts, "--output", output),
                 INPUT, counts + ":3", output)


def case_build_missing_counts(swag, wordnet, work):
    counts, output = os.path.join(work, "none.tsv"), os.path.join(work, "vocab.json")
    expect_error(run(swag, "build", "--wordnet", wordnet, "--hashtags", counts, "--output", output),
                 IO, counts, output)


def case_build_unwritable_output(swag, wordnet, work):
    counts = write(work, "counts.tsv", "dog\t5\n")
    output = os.path.join(work, "missing_dir", "vocab.json")
    expect_error(run(swag, "build", "--wordnet", wordnet, "--hashtags", counts, "--output", output),
                 IO, output, output)


def case_map_bad_wnid(swag, wordnet, work):
    vocab = small_vocab(swag, wordnet, work)
    classes = write(work, "classes.txt", "n02084071\ndog\n")
    output = os.path.join(work, "mapping.json")
    expect_error(run(swag, "map", "--wordnet", wordnet, "--vocab", vocab, "--classes", classes,
                     "--output", output), INPUT, classes + ":2: 'dog' is not a wnid", output)


def case_map_unknown_synset(swag, wordnet, work):
    vocab = small_vocab(swag, wordnet, work)
    classes = write(work, "classes.txt", "n02084071\nn02084072\n")
    output = os.path.join(work, "mapping.json")
    expect_error(run(swag, "map", "--wordnet", wordnet, "--vocab", vocab, "--classes", classes,
                     "--output", output), INPUT, classes + ":2: n02084072", output)


def case_map_bad_vocab(swag, wordnet, work):
    vocab = write(work, "vocab.json", '{"format": "swag-vocab"')
    classes = write(work, "classes.txt", "n02084071\n")
    output = os.path.join(work, "mapping.json")
    expect_error(run(swag, "map", "--wordnet", wordnet, "--vocab", vocab, "--classes", classes,
                     "--output", output), INPUT, vocab, output)
    missing = os.path.join(work, "none.json")
    expect_error(run(swag, "map", "--wordnet", wordnet, "--vocab", missing, "--classes", classes,
                     "--output", output), IO, missing, output)


def main():
    swag, wordnet, case, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    globals()["case_" + case](swag, wordnet, work)


if __name__ == "__main__":
    main()
