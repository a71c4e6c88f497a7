// Input decks: TOML files of [section] key = value, checked against a schema of known keys with
// types and defaults, plus command-line overrides "section.key=value". Any key the schema does
// not know, in the file or an override, is an error that names it.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace swag {

using ConfigValue = std::variant<std::int64_t, double, bool, std::string>;

struct ConfigKey {
  std::string name;  // "section.key"
  ConfigValue default_value;
  std::string help;
};

using ConfigSchema = std::vector<ConfigKey>;

class Config {
 public:
  explicit Config(const ConfigSchema& schema);
  // Reads `path` (may be empty: defaults only), then applies overrides in order.
  static Config load(const ConfigSchema& schema, const std::string& path,
                     const std::vector<std::string>& overrides);

  void set(const std::string& key, const ConfigValue& value, const std::string& origin);
  void apply_override(const std::string& assignment);  // "section.key=value"

  std::int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;

  // The resolved deck as TOML text, keys sorted: what a run directory records.
  std::string to_toml() const;
  // FNV-1a of to_toml(): identifies a configuration in checkpoints.
  std::uint64_t hash() const;

 private:
  const ConfigValue& lookup(const std::string& key) const;
  std::map<std::string, ConfigValue> values_;
};

}  // namespace swag
