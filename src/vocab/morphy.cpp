#include "swag/vocab/morphy.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <utility>

namespace swag::vocab {
namespace {

using Rule = std::pair<std::string_view, std::string_view>;  // (suffix, replacement)

// NLTK's MORPHOLOGICAL_SUBSTITUTIONS, in its order (the order decides the first analysis).
constexpr std::array<Rule, 9> kNounRules = {{{"s", ""},
                                             {"ses", "s"},
                                             {"ves", "f"},
                                             {"xes", "x"},
                                             {"zes", "z"},
                                             {"ches", "ch"},
                                             {"shes", "sh"},
                                             {"men", "man"},
                                             {"ies", "y"}}};
constexpr std::array<Rule, 8> kVerbRules = {{{"s", ""},
                                             {"ies", "y"},
                                             {"es", "e"},
                                             {"es", ""},
                                             {"ed", "e"},
                                             {"ed", ""},
                                             {"ing", "e"},
                                             {"ing", ""}}};
constexpr std::array<Rule, 4> kAdjRules = {{{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}}};

std::span<const Rule> rules(Pos pos) {
  switch (pos) {
    case Pos::noun: return kNounRules;
    case Pos::verb: return kVerbRules;
    case Pos::adj: return kAdjRules;
    case Pos::adv: return {};
  }
  return {};
}

// One round of detachment over every form. NLTK keeps repeats; dropping a repeat keeps the
// order of first appearance, which is all that the filter and later rounds see.
std::vector<std::string> apply_rules(const std::vector<std::string>& forms, Pos pos) {
  std::vector<std::string> out;
  for (const std::string& form : forms)
    for (const auto& [suffix, replacement] : rules(pos))
      if (form.ends_with(suffix)) {
        std::string base = form.substr(0, form.size() - suffix.size());
        base += replacement;
        if (std::find(out.begin(), out.end(), base) == out.end()) out.push_back(std::move(base));
      }
  return out;
}

// The forms that are lemmas of `pos`, in order, without repeats.
template <class Forms>
std::vector<std::string> filter_forms(const WordNet& wordnet, const Forms& forms, Pos pos) {
  std::vector<std::string> out;
  for (const auto& form : forms)
    if (wordnet.index().contains(form, pos) && std::find(out.begin(), out.end(), form) == out.end())
      out.emplace_back(form);
  return out;
}

}  // namespace

std::vector<std::string> morphy_forms(const WordNet& wordnet, std::string_view form, Pos pos) {
  if (const auto* bases = wordnet.exceptions(pos).find(form)) {
    std::vector<std::string_view> candidates = {form};
    candidates.insert(candidates.end(), bases->begin(), bases->end());
    return filter_forms(wordnet, candidates, pos);
  }
  std::vector<std::string> forms = apply_rules({std::string(form)}, pos);
  std::vector<std::string> first_round = {std::string(form)};
  first_round.insert(first_round.end(), forms.begin(), forms.end());
  if (auto found = filter_forms(wordnet, first_round, pos); !found.empty()) return found;
  while (!forms.empty()) {
    forms = apply_rules(forms, pos);
    if (auto found = filter_forms(wordnet, forms, pos); !found.empty()) return found;
  }
  return {};
}

std::optional<std::string> morphy(const WordNet& wordnet, std::string_view form,
                                  std::optional<Pos> pos) {
  for (const Pos p : kAllPos) {
    if (pos && p != *pos) continue;
    auto forms = morphy_forms(wordnet, form, p);
    if (!forms.empty()) return std::move(forms.front());
  }
  return std::nullopt;
}

}  // namespace swag::vocab
