// Input decks: TOML files of [section] key = value, checked against a schema of known keys with
// types, defaults and allowed values, plus command-line overrides "section.key=value". Any key
// the schema does not know, or a value outside its rule, is an error that names it.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace swag {

using ConfigValue = std::variant<std::int64_t, double, bool, std::string>;

// What a key's value may be beyond its type. Numbers: a range, and floats are always finite.
// Strings: one of `choices` if given, else any non-empty string ('' too with empty_ok).
struct ConfigRule {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;
  std::vector<std::string> choices;
  bool empty_ok = false;
};

// The rules of the schemas: [lo, inf), (lo, inf), [lo, hi], [lo, hi), (0, 1], a list, or ''.
namespace rule {
ConfigRule at_least(double lo);
ConfigRule above(double lo);
ConfigRule within(double lo, double hi);
ConfigRule from_below(double lo, double hi);
ConfigRule share();
ConfigRule one_of(std::vector<std::string> choices);
ConfigRule may_be_empty();
}  // namespace rule

struct ConfigKey {
  std::string name;  // "section.key"
  ConfigValue default_value;
  std::string help;
  ConfigRule rule = {};
};

// Why `value` breaks `rule` ("must be > 0, not -1"), or empty when it does not.
std::string rule_violation(const ConfigRule& rule, const ConfigValue& value);

using ConfigSchema = std::vector<ConfigKey>;

// Every key as Markdown table rows (| key | type | default | range | help |), keys sorted: what
// `swag check-config --describe` prints and doc/config.md holds.
std::string describe_schema(const ConfigSchema& schema);

class Config {
 public:
  explicit Config(const ConfigSchema& schema);
  // Reads `path` (may be empty: defaults only), then applies overrides in order.
  static Config load(const ConfigSchema& schema, const std::string& path,
                     const std::vector<std::string>& overrides);

  void set(const std::string& key, const ConfigValue& value, const std::string& origin);
  void apply_override(const std::string& assignment);  // "section.key=value"

  const ConfigValue& value(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;

  // The resolved deck as TOML text, keys sorted: what a run directory records.
  std::string to_toml() const;
  // FNV-1a of to_toml(): identifies a configuration in checkpoints.
  std::uint64_t hash() const;

 private:
  // Assigns after the rule's check; origin names the file:line or override in the message.
  void assign(std::map<std::string, ConfigValue>::iterator it, const ConfigValue& value,
              const std::string& origin);
  std::map<std::string, ConfigValue> values_;
  std::map<std::string, ConfigRule> rules_;
};

// A typed deck: a struct whose fields are named as its keys ("data.workers" is
// deck.data.workers), and its schema, each key once: SWAG_DECK_KEY(Deck, data.workers, 2,
// "help", rule::at_least(1)). Adding a key is that line and the field.
template <class Deck>
struct DeckKey {
  ConfigKey key;
  std::function<void(Deck&, const ConfigValue&)> assign;
};

template <class Deck>
class DeckSchema {
 public:
  explicit DeckSchema(std::vector<DeckKey<Deck>> keys) : keys_(std::move(keys)) {
    for (const auto& k : keys_) config_.push_back(k.key);
  }
  const ConfigSchema& config_schema() const { return config_; }
  // The deck's fields from a loaded (so already validated) Config of this schema.
  Deck parse(const Config& config) const {
    Deck deck;
    for (const auto& k : keys_) k.assign(deck, config.value(k.key.name));
    return deck;
  }

 private:
  std::vector<DeckKey<Deck>> keys_;
  ConfigSchema config_;
};

// The key `name` of field get(deck), whose type (std::int64_t, double, bool or std::string) is
// the value's.
template <class Deck, class Get>
DeckKey<Deck> deck_key(std::string name, Get get,
                       std::remove_reference_t<std::invoke_result_t<Get, Deck&>> default_value,
                       std::string help, ConfigRule rule = {}) {
  using Field = decltype(default_value);
  static_assert(std::is_same_v<Field, std::int64_t> || std::is_same_v<Field, double> ||
                    std::is_same_v<Field, bool> || std::is_same_v<Field, std::string>,
                "a deck field is std::int64_t, double, bool or std::string");
  return {
      {std::move(name), ConfigValue(std::move(default_value)), std::move(help), std::move(rule)},
      [get](Deck& deck, const ConfigValue& v) { get(deck) = std::get<Field>(v); }};
}

}  // namespace swag

#define SWAG_DECK_KEY(Deck, path, ...) \
  ::swag::deck_key<Deck>(              \
      #path, [](Deck & d) -> auto& { return d.path; }, __VA_ARGS__)
