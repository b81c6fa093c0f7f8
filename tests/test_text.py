from tonecls.gazetteer import Gazetteer
from tonecls.text import Analyzer, normalise


def features(text, **kw):
    return [f for f, _ in Analyzer(**kw).tokens(text)]


def test_negation_marks_the_words_after_not():
    assert "not_accept" in features("This is not acceptable.")
    assert "accept" not in features("This is not acceptable.")
    assert "accept" in features("This is acceptable.")


def test_negation_scope_ends_at_punctuation_and_after_three_words():
    toks = features("We do not seek escalation, but we will defend ourselves.")
    assert "not_seek" in toks and "not_escal" in toks
    assert "defend" in toks
    toks = features("We will not tolerate any further violation of our airspace")
    assert "not_further" in toks and "violat" in toks


def test_contracted_negation_counts():
    assert "not_want" in features("We don't want escalation")
    assert "not_want" in features("We don’t want escalation")


def test_negation_can_be_switched_off():
    assert "accept" in features("This is not acceptable.", negation=False)


def test_stemming_joins_word_forms():
    assert features("condemned")[0] == features("condemns")[0] == features("condemning")[0]
    assert features("condemned", stem=False) == ["condemned"]


def test_masking_replaces_actor_names_with_placeholders():
    g = Gazetteer([("country", "United States"), ("country", "Pakistan"), ("demonym", "Iranian"), ("leader", "Xi")])
    toks = Analyzer(mask_actors=True, gazetteer=g).tokens("Pakistan's envoy met Iranian and United States officials.")
    assert [f for f, _ in toks][:5] == ["__country__", "envoy", "met", "__nationality__", "and"]
    assert "__country__" in [f for f, _ in toks][5:]
    assert toks[0][1] == "[country]"


def test_masking_is_case_sensitive_for_names():
    g = Gazetteer([("country", "Turkey"), ("country", "US")])
    toks = [f for f, _ in Analyzer(mask_actors=True, gazetteer=g).tokens("Turkey told us about turkey")]
    assert toks == ["__country__", "told", "us", "about", "turkey"]


def test_shipped_gazetteer_loads_and_knows_common_names():
    g = Gazetteer.load()
    words = ["Pakistan", "Iran", "Tehran", "Islamabad", "Chinese"]
    assert all(g.mask(words))


def test_normalise_folds_typography():
    assert normalise("it’s  “fine”") == 'it\'s "fine"'


def test_word_ngrams_do_not_cross_punctuation():
    a = Analyzer(word_ngrams=(1, 2))
    grams = [f for f, _ in a.word_grams(a.tokens("Stop. Now"))]
    assert "stop now" not in grams and "stop" in grams and "now" in grams


def test_char_ngrams_stay_inside_words():
    a = Analyzer(char_ngrams=(3, 3))
    grams = [f for f, _ in a.char_grams(a.tokens("ab cd"))]
    assert grams == [" ab", "ab ", " cd", "cd "]


def test_fast_word_features_match_the_explained_ones():
    a = Analyzer(word_ngrams=(1, 2), mask_actors=True)
    toks = a.tokens("Pakistan will not accept this. We call, again, for calm and dialogue!")
    assert sorted(a.word_gram_features(toks)) == sorted(f for f, _ in a.word_grams(toks))
