// A WordNet 3.0 database directory (index.*, data.*, *.exc, and lexnames when present), read
// once into memory. Synsets are parsed on demand from their byte offset in data.<pos>.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "swag/vocab/exception_list.hpp"
#include "swag/vocab/lemma_index.hpp"
#include "swag/vocab/pos.hpp"
#include "swag/vocab/synset_record.hpp"

namespace swag::vocab {

class WordNet {
 public:
  // A missing directory or file is an io error naming it; a malformed line an input error
  // naming file:line. Without dir/lexnames (Debian lacks it) the standard list is used.
  explicit WordNet(const std::string& dir);
  // The indexes view the file texts held here.
  WordNet(const WordNet&) = delete;
  WordNet& operator=(const WordNet&) = delete;

  const std::string& dir() const { return dir_; }
  const LemmaIndex& index() const { return index_; }
  const ExceptionList& exceptions(Pos pos) const { return exceptions_[static_cast<int>(pos)]; }

  // The synset whose line starts at `offset` in data.<pos>; nullopt when no line starts there
  // (NLTK's check). A malformed line or lex_filenum out of range is an input error.
  std::optional<SynsetRecord> find_synset(Pos pos, std::uint32_t offset) const;
  // The same, with a missing synset an input error.
  SynsetRecord synset(Pos pos, std::uint32_t offset) const;

  const std::string& lexname(int lex_filenum) const { return lexnames_.at(lex_filenum); }
  // The whole text of data.<pos>, for passes over every synset.
  std::string_view data(Pos pos) const { return data_[static_cast<int>(pos)]; }
  std::string data_path(Pos pos) const;

 private:
  std::string dir_;
  std::array<std::string, 4> index_text_, data_, exception_text_;
  LemmaIndex index_;
  std::array<ExceptionList, 4> exceptions_;
  std::vector<std::string> lexnames_;
};

// Lexicographer file names (lexnames(5WN)): the lex_filenum of a data.* line indexes this list.
// WordNet 3.0's 45 names, for installations without the file (Debian's wordnet-base); the same
// list as inputs/wordnet/lexnames.txt.
std::vector<std::string> standard_lexnames();

// A lexnames file: lines "NN<TAB>name<TAB>syntactic category", NN counting from 00 (NLTK's check).
// Malformed lines are an input error naming file:line.
std::vector<std::string> read_lexnames(const std::string& path);

}  // namespace swag::vocab
