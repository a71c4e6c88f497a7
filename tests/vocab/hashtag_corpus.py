"""A reproducible list of hashtags that exercises every path of Listing 1: WordNet lemmas with
their separators removed, plurals and other inflections, irregular forms, concatenated pairs,
popular Instagram hashtags, mixed case, random strings, non-ASCII text and very long hashtags.
No hashtag contains "\n" or ends in "\r", so one hashtag per line is a faithful file format."""
import random

POPULAR = """love instagood photooftheday fashion beautiful happy cute tbt like4like followme
picoftheday follow me selfie summer art instadaily friends repost nature girl fun style smile
food instalike likeforlike family travel fitness igers tagsforlikes follow4follow nofilter life
beauty amazing instamood instagram photography vscocam sun photo music beach followforfollow
bestoftheday sky ootd sunset dog dogsofinstagram catsofinstagram cat foodporn yum yummy
foodie instafood dinner lunch breakfast pizza coffee cake dessert sushi burger tacos eggplant
aubergine newyork nyc london paris crane porcupine hedgehog puppy kitten horse flowers flower
tree trees garden plants succulent sneakers trainers kicks footwear shoes dress handbag
watch car cars motorcycle bike bicycle boat airplane train guitar piano camera iphone laptop
wedding birthday party christmas halloween concert festival marathon football soccer
basketball baseball hockey tennis golf surfing skiing snowboarding hiking camping fishing
icecream hotdog cupcake cupcakes cookies chocolate wine beer cocktail whiskey tea sandwich
salad pasta noodles ramen steak chicken bacon eggs pancakes waffles avocado banana
strawberry apple mango pineapple tomato lemon orange sunflower rose roses tulip orchid cactus
bonsai fern oak palmtree mountain mountains lake river ocean sea waves island desert forest
rainbow clouds moon stars snow rain storm volcano waterfall sunrise eclipse""".split()

SEPARATORS = "_-' ."
NON_ASCII = ["café", "naïve", "crème_brûlée", "jalapeño", "piñata", "straße", "smörgåsbord",
             "über", "fiancée", "résumé", "🐶dog", "dog🐶", "🍕pizza🍕", "寿司", "ラーメン", "собака",
             "κύων", "كلب", "İstanbul", "\u212aitten", "ｄｏｇ", "e\u0301clair", "ǅungla", "ﬁsh",
             "\u00a0dog", "dog\u200bhouse", "\U0001f600\U0001f600\U0001f600", "dog\u2028house",
             "\x85dog", "dog\x0bcat", "hot\tdog", "ice\x00cream"]
NON_ASCII_LETTERS = "éèêëàâäôöûüçñßøåæœıİĳǆﬁ" + "αβγδλμπσωабвгдежзий" + "日本語中文한국어"


def _without_separators(lemma):
    return "".join(c for c in lemma if c not in SEPARATORS)


def _inflections(word):
    return [word + "s", word + "es", word + "ed", word + "ing", word + "er", word + "est",
            word[:-1] + "ies" if word.endswith("y") else word + "ies", word + "men"]


def _mixed_case(rng, word):
    choice = rng.randrange(4)
    if choice == 0:
        return word.upper()
    if choice == 1:
        return word.capitalize()
    if choice == 2:
        return word[:-1] + word[-1:].upper()
    return "".join(c.upper() if rng.random() < 0.3 else c for c in word)


def _kept_noun(rng, wordnet, nouns, allowed):
    """A noun lemma with at least one sense in the allowed lexicographer files."""
    while True:
        noun = rng.choice(nouns)
        if any(s.lexname() in allowed for s in wordnet.synsets(noun, "n")):
            return noun


def make_hashtags(wordnet, count, allowed, seed=2026):
    """At least `count` hashtags (a few more when the fixed lists are larger), deterministic."""
    rng = random.Random(seed)
    lemmas = sorted(wordnet.all_lemma_names())
    nouns = sorted(wordnet.all_lemma_names(pos="n"))
    short_nouns = [n for n in nouns if n.isalpha() and 3 <= len(n) <= 7]
    exception_forms = sorted(f for pos in "nvar" for f in wordnet._exception_map[pos])

    tags = list(POPULAR) + ["#" + t for t in POPULAR[:40]] + list(NON_ASCII)
    tags += ["", "a", "ab", "abc", "dog", "do_g", "___", "2020", "iphone11", "dog house",
             "ice-cream", "ice_cream", "hot_dog", "Ice_Cream", "new_york", "x" * 3, "s" * 40,
             "ses" * 30, "eses" * 40, "ieses" * 20, "menmen" * 10]
    weights = [("kept_noun", 0.35), ("lemma", 0.10), ("inflected", 0.10), ("exception", 0.05),
               ("pair", 0.10), ("mixed_case", 0.07), ("random", 0.08), ("non_ascii", 0.08),
               ("long", 0.02), ("popular", 0.05)]
    names = [w[0] for w in weights]
    probabilities = [w[1] for w in weights]
    while len(tags) < count:
        kind = rng.choices(names, probabilities)[0]
        if kind == "kept_noun":
            noun = _without_separators(_kept_noun(rng, wordnet, nouns, allowed))
            tags.append(noun if rng.random() < 0.6 else rng.choice(_inflections(noun)))
        elif kind == "lemma":
            tags.append(_without_separators(rng.choice(lemmas)))
        elif kind == "inflected":
            tags.append(rng.choice(_inflections(_without_separators(rng.choice(nouns)))))
        elif kind == "exception":
            form = rng.choice(exception_forms)
            tags.append(form if rng.random() < 0.5 else form + rng.choice(short_nouns))
        elif kind == "pair":
            a, b = rng.choice(short_nouns), rng.choice(short_nouns)
            tags.append(a + b + rng.choice(["", "", "s", "es"]))
        elif kind == "mixed_case":
            tags.append(_mixed_case(rng, _without_separators(rng.choice(nouns))))
        elif kind == "random":
            alphabet = rng.choice(["abcdefghijklmnopqrstuvwxyz", "aeiounrst_",
                                   "abcdefghijklmnopqrstuvwxyz0123456789_#!?.-'&@"])
            tags.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 25))))
        elif kind == "non_ascii":
            word = list(rng.choice(short_nouns))
            word[rng.randrange(len(word))] = rng.choice(NON_ASCII_LETTERS)
            tags.append("".join(word) if rng.random() < 0.7 else rng.choice(NON_ASCII) + "".join(word))
        elif kind == "long":
            parts = [rng.choice(short_nouns) for _ in range(rng.randrange(10, 40))]
            tags.append("".join(parts))
        else:
            tags.append(rng.choice(POPULAR) + rng.choice(["", "s", "ofinstagram", "love", "2022"]))
    return tags
