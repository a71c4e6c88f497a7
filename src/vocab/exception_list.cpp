#include "swag/vocab/exception_list.hpp"

#include "swag/core/error.hpp"
#include "swag/vocab/text.hpp"

namespace swag::vocab {

ExceptionList::ExceptionList(std::string_view text, const std::string& path) {
  for_each_line(text, [&](std::size_t line_number, std::string_view line) {
    const std::string_view form = next_field(line);
    if (form.empty()) fail(ExitCode::input, "{}:{}: empty exception line", path, line_number);
    std::vector<std::string_view> bases;
    for (std::string_view base = next_field(line); !base.empty(); base = next_field(line))
      bases.push_back(base);
    filter_.add(form);
    bases_.insert_or_assign(form, std::move(bases));
  });
}

const std::vector<std::string_view>* ExceptionList::find(std::string_view form) const {
  if (!filter_.may_contain(form)) return nullptr;
  const auto found = bases_.find(form);
  return found == bases_.end() ? nullptr : &found->second;
}

}  // namespace swag::vocab
