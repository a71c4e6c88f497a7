"""NLTK 3.8 on the system's WordNet, and the paper's Listing 1 run by it, for the oracle tests
and the benchmark. Import under /usr/bin/python3 (Debian's python3-nltk).

NLTK wants a corpora/wordnet folder with a lexnames file, which Debian's wordnet-base lacks:
open_wordnet() links the database files into a scratch folder and adds the project's copy.
"""
import os
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LEXNAMES = os.path.join(HERE, "..", "..", "inputs", "wordnet", "lexnames.txt")


def open_wordnet(wordnet_dir):
    """NLTK's wordnet corpus reader on wordnet_dir (a WordNet 3.0 database folder)."""
    data = tempfile.mkdtemp(prefix="swag_nltk_")
    corpus = os.path.join(data, "corpora", "wordnet")
    os.makedirs(corpus)
    for name in os.listdir(wordnet_dir):
        os.symlink(os.path.join(os.path.abspath(wordnet_dir), name), os.path.join(corpus, name))
    if not os.path.exists(os.path.join(corpus, "lexnames")):
        os.symlink(os.path.abspath(LEXNAMES), os.path.join(corpus, "lexnames"))
    import nltk

    nltk.data.path.insert(0, data)
    from nltk.corpus import wordnet

    wordnet.ensure_loaded()
    return wordnet


# Listing 1 as printed, with one change: the printed listing has no comma after "noun.object",
# so Python would join it with "noun.plant" into one string and keep neither. The paper's text
# and DESIGN §4 name six senses; swag keeps six, and so does this oracle.
MIN_LEN = 3
ALLOWED_SENSES = {
    "noun.animal",
    "noun.artifact",
    "noun.food",
    "noun.object",
    "noun.plant",
    "noun.event",
}
PRINTED_ALLOWED_SENSES = {"noun.animal", "noun.artifact", "noun.food", "noun.objectnoun.plant",
                          "noun.event"}


def get_synsets(wordnet, hashtag, allowed=ALLOWED_SENSES):
    if len(hashtag) < MIN_LEN:
        return set()

    candidates = {wordnet.morphy(hashtag, wordnet.NOUN)}
    for i in range(MIN_LEN, len(hashtag) - MIN_LEN + 1):
        candidate = hashtag[:i] + "_" + hashtag[i:]
        candidates.add(wordnet.morphy(candidate))
    synsets = set()
    for word in candidates:
        if word is None:
            continue
        for synset in wordnet.synsets(word):
            if synset._lexname in allowed:
                synsets.add(synset)
    return synsets


def wnids(synsets):
    """Sorted "n%08d" names; Listing 1 keeps noun synsets only."""
    assert all(s.pos() == "n" for s in synsets)
    return sorted("n%08d" % s.offset() for s in synsets)
