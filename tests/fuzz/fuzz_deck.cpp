// The deck reader (TOML, then the schema's types and rules) on arbitrary text, the first line
// taken as a `section.key=value` override as on a command line: a Config or a swag::Error, and a
// Config's to_toml() reads back to the same deck.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "swag/core/config.hpp"
#include "swag/core/error.hpp"

namespace {

// Every type and kind of rule the training decks use.
const swag::ConfigSchema& schema() {
  using I = std::int64_t;
  namespace rule = swag::rule;
  static const swag::ConfigSchema s = {
      {"run.dir", std::string("runs/x"), "a path"},
      {"run.seed", I{0}, "an integer"},
      {"run.note", std::string(""), "may be empty", rule::may_be_empty()},
      {"model.resolution", I{224}, "at least 1", rule::at_least(1)},
      {"model.pre_logits", false, "a flag"},
      {"data.alpha", 0.7, "within [0, 1]", rule::within(0, 1)},
      {"data.max_bad_fraction", 0.001, "in [0, 1)", rule::from_below(0, 1)},
      {"data.fraction", 1.0, "a share", rule::share()},
      {"optim.lr", 0.1, "above 0", rule::above(0)},
      {"optim.name", std::string("sgd"), "a choice", rule::one_of({"sgd", "adamw"})},
  };
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = text.find('\n');
  const std::string override_line = text.substr(0, newline);
  const std::string deck = newline == std::string::npos ? "" : text.substr(newline + 1);
  const swag::fuzz::MemoryFile file(reinterpret_cast<const std::uint8_t*>(deck.data()),
                                    deck.size());
  std::string toml;
  try {
    const auto config = swag::Config::load(schema(), file.path(), {override_line});
    toml = config.to_toml();
    (void)config.hash();
  } catch (const swag::Error&) {
    return 0;
  }
  const swag::fuzz::MemoryFile again(reinterpret_cast<const std::uint8_t*>(toml.data()),
                                     toml.size());
  if (swag::Config::load(schema(), again.path(), {}).to_toml() != toml) __builtin_trap();
  return 0;
}
