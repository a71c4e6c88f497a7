// A <pos>.exc file: irregular inflected forms and their base forms ("geese goose"), as NLTK's
// _exception_map holds them (a repeated form keeps its last line). Views point into the text.
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "swag/vocab/key_filter.hpp"

namespace swag::vocab {

class ExceptionList {
 public:
  ExceptionList() = default;
  // Lines "form base..."; an empty line is an input error naming path:line.
  ExceptionList(std::string_view text, const std::string& path);

  // The base forms listed for `form`, or nullptr when it is not an exception.
  const std::vector<std::string_view>* find(std::string_view form) const;

 private:
  KeyFilter filter_{17};  // the largest list, verb.exc, has 2.4k forms
  std::unordered_map<std::string_view, std::vector<std::string_view>> bases_;
};

}  // namespace swag::vocab
