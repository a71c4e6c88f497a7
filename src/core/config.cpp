#include "swag/core/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "swag/core/error.hpp"
#include "swag/core/file_bytes.hpp"

namespace swag {
namespace {

std::string type_name(const ConfigValue& v) {
  static const char* names[] = {"an integer", "a float", "a boolean", "a string"};
  return names[v.index()];
}

std::string format_value(const ConfigValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          std::ostringstream s;
          s << toml::value<std::string>(x);
          return s.str();
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          std::string s = fmt::format("{}", x);
          if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
          return s;
        } else {
          return fmt::format("{}", x);
        }
      },
      v);
}

// Whether a string written as a TOML value reads back as itself.
bool writes_back(const std::string& s) {
  try {
    const toml::table t = toml::parse("v = " + format_value(s));
    return t["v"].value<std::string>() == s;
  } catch (const toml::parse_error&) {
    return false;
  }
}

// Converts a TOML node to the schema's type; integers are accepted where floats are expected.
ConfigValue from_node(const toml::node& node, const ConfigValue& like, const std::string& key,
                      const std::string& origin) {
  if (std::holds_alternative<std::int64_t>(like) && node.is_integer())
    return node.as_integer()->get();
  // An integer where a float belongs is rounded to the nearest double (toml++'s value<double>
  // refuses the integers that a double does not hold exactly).
  if (std::holds_alternative<double>(like) && node.is_integer())
    return static_cast<double>(node.as_integer()->get());
  if (std::holds_alternative<double>(like) && node.is_floating_point())
    return node.as_floating_point()->get();
  if (std::holds_alternative<bool>(like) && node.is_boolean()) return node.as_boolean()->get();
  if (std::holds_alternative<std::string>(like) && node.is_string()) return node.as_string()->get();
  fail(ExitCode::config, "{}: key '{}' must be {}", origin, key, type_name(like));
}

std::string describe_range(const ConfigRule& r) {
  const bool has_lo = std::isfinite(r.lo), has_hi = std::isfinite(r.hi);
  if (has_lo && has_hi)
    return fmt::format("in {}{}, {}{}", r.lo_open ? '(' : '[', r.lo, r.hi, r.hi_open ? ')' : ']');
  if (has_lo) return fmt::format("{} {}", r.lo_open ? ">" : ">=", r.lo);
  if (has_hi) return fmt::format("{} {}", r.hi_open ? "<" : "<=", r.hi);
  return {};
}

// The rule in words, for --describe: "", ">= 1", "in [0, 1)", "one of a, b", "may be ''".
std::string describe_rule(const ConfigRule& r, const ConfigValue& like) {
  if (std::holds_alternative<std::string>(like)) {
    if (!r.choices.empty()) return fmt::format("one of {}", fmt::join(r.choices, ", "));
    return r.empty_ok ? "may be ''" : "not empty";
  }
  if (std::holds_alternative<bool>(like)) return {};
  std::string range = describe_range(r);
  if (std::holds_alternative<double>(like)) range += range.empty() ? "finite" : ", finite";
  return range;
}

// A Markdown table cell: | would end it.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string describe_schema(const ConfigSchema& schema) {
  std::vector<const ConfigKey*> keys;
  for (const auto& k : schema) keys.push_back(&k);
  std::sort(keys.begin(), keys.end(),
            [](const ConfigKey* a, const ConfigKey* b) { return a->name < b->name; });
  std::string out = "| key | type | default | range | help |\n|---|---|---|---|---|\n";
  for (const ConfigKey* k : keys) {
    std::string type = type_name(k->default_value);
    type = type.substr(type.find(' ') + 1);  // "an integer" -> "integer"
    out += fmt::format("| `{}` | {} | `{}` | {} | {} |\n", k->name, type,
                       cell(format_value(k->default_value)),
                       cell(describe_rule(k->rule, k->default_value)), cell(k->help));
  }
  return out;
}

std::string rule_violation(const ConfigRule& rule, const ConfigValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    if (!rule.choices.empty()) {
      if (std::find(rule.choices.begin(), rule.choices.end(), *s) != rule.choices.end()) return {};
      return fmt::format("must be one of {}, not '{}'", fmt::join(rule.choices, ", "), *s);
    }
    return s->empty() && !rule.empty_ok ? "must not be empty" : "";
  }
  double x = 0;
  if (const auto* d = std::get_if<double>(&value)) {
    if (!std::isfinite(*d)) return fmt::format("must be finite, not {}", *d);
    x = *d;
  } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
    x = static_cast<double>(*i);
  } else {
    return {};  // booleans
  }
  const bool low = rule.lo_open ? !(x > rule.lo) : !(x >= rule.lo);
  const bool high = rule.hi_open ? !(x < rule.hi) : !(x <= rule.hi);
  if (!low && !high) return {};
  return fmt::format("must be {}, not {}", describe_range(rule), format_value(value));
}

namespace rule {
namespace {
ConfigRule range(double lo, double hi, bool lo_open, bool hi_open) {
  ConfigRule r;
  r.lo = lo, r.hi = hi, r.lo_open = lo_open, r.hi_open = hi_open;
  return r;
}
constexpr double inf = std::numeric_limits<double>::infinity();
}  // namespace

ConfigRule at_least(double lo) {
  return range(lo, inf, false, false);
}
ConfigRule above(double lo) {
  return range(lo, inf, true, false);
}
ConfigRule within(double lo, double hi) {
  return range(lo, hi, false, false);
}
ConfigRule from_below(double lo, double hi) {
  return range(lo, hi, false, true);
}
ConfigRule share() {
  return range(0, 1, true, false);
}
ConfigRule one_of(std::vector<std::string> choices) {
  ConfigRule r;
  r.choices = std::move(choices);
  return r;
}
ConfigRule may_be_empty() {
  ConfigRule r;
  r.empty_ok = true;
  return r;
}
}  // namespace rule

Config::Config(const ConfigSchema& schema) {
  for (const auto& k : schema) {
    values_[k.name] = k.default_value;
    rules_[k.name] = k.rule;
  }
}

void Config::assign(std::map<std::string, ConfigValue>::iterator it, const ConfigValue& value,
                    const std::string& origin) {
  if (const std::string why = rule_violation(rules_.at(it->first), value); !why.empty())
    fail(ExitCode::config, "{}: key '{}' {}", origin, it->first, why);
  it->second = value;
}

void Config::set(const std::string& key, const ConfigValue& value, const std::string& origin) {
  auto it = values_.find(key);
  if (it == values_.end()) fail(ExitCode::config, "{}: unknown key '{}'", origin, key);
  if (it->second.index() != value.index())
    fail(ExitCode::config, "{}: key '{}' must be {}", origin, key, type_name(it->second));
  assign(it, value, origin);
}

void Config::apply_override(const std::string& assignment) {
  const std::string origin = fmt::format("override '{}'", assignment);
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    fail(ExitCode::config, "{}: expected section.key=value", origin);
  const std::string key = assignment.substr(0, eq);
  auto it = values_.find(key);
  if (it == values_.end()) fail(ExitCode::config, "{}: unknown key '{}'", origin, key);
  const std::string text = assignment.substr(eq + 1);
  // Parse the value as TOML; a bare word is taken as a string for convenience.
  toml::table t;
  try {
    t = toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    if (!std::holds_alternative<std::string>(it->second))
      fail(ExitCode::config, "{}: key '{}' must be {}, got '{}'", origin, key,
           type_name(it->second), text);
    // The run's config.toml must read back as this value (TOML text is UTF-8).
    if (!writes_back(text)) fail(ExitCode::config, "{}: key '{}': not UTF-8 text", origin, key);
    assign(it, text, origin);
    return;
  }
  assign(it, from_node(*t.get("v"), it->second, key, origin), origin);
}

Config Config::load(const ConfigSchema& schema, const std::string& path,
                    const std::vector<std::string>& overrides) {
  Config config(schema);
  if (!path.empty()) {
    toml::table root;
    try {
      // read first: a missing file, a directory or a FIFO is exit 5 naming it (doc/cli.md)
      root = toml::parse(read_file_text(path), path);
    } catch (const toml::parse_error& e) {
      const auto& src = e.source();
      if (!src.begin) fail(ExitCode::config, "{}: {}", path, e.description());
      fail(ExitCode::config, "{}:{}:{}: {}", path, src.begin.line, src.begin.column,
           e.description());
    }
    // Walk nested tables so that [a.b] c = 1 becomes the key "a.b.c".
    auto walk = [&](auto&& self, const toml::table& table, const std::string& prefix) -> void {
      for (const auto& [k, node] : table) {
        const std::string key =
            prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (const auto* sub = node.as_table()) {
          self(self, *sub, key);
          continue;
        }
        const std::string origin = fmt::format("{}:{}", path, node.source().begin.line);
        auto it = config.values_.find(key);
        if (it == config.values_.end()) fail(ExitCode::config, "{}: unknown key '{}'", origin, key);
        config.assign(it, from_node(node, it->second, key, origin), origin);
      }
    };
    walk(walk, root, "");
  }
  for (const auto& o : overrides) config.apply_override(o);
  return config;
}

const ConfigValue& Config::value(const std::string& key) const {
  auto it = values_.find(key);
  SWAG_CHECK(it != values_.end(), "config key '{}' is not in the schema", key);
  return it->second;
}

std::int64_t Config::get_int(const std::string& key) const {
  return std::get<std::int64_t>(value(key));
}
double Config::get_float(const std::string& key) const {
  return std::get<double>(value(key));
}
bool Config::get_bool(const std::string& key) const {
  return std::get<bool>(value(key));
}
const std::string& Config::get_string(const std::string& key) const {
  return std::get<std::string>(value(key));
}

std::string Config::to_toml() const {
  std::string out, section;
  for (const auto& [key, value] : values_) {
    const auto dot = key.rfind('.');
    const std::string sec = dot == std::string::npos ? "" : key.substr(0, dot);
    if (sec != section || out.empty()) {
      if (!sec.empty()) out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", sec);
      section = sec;
    }
    out += fmt::format("{} = {}\n", key.substr(dot + 1), format_value(value));
  }
  return out;
}

std::uint64_t Config::hash() const {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : to_toml()) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace swag
