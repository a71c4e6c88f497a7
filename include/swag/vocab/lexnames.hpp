// Lexicographer file names (lexnames(5WN)): the lex_filenum of a data.* line indexes this list.
#pragma once
#include <string>
#include <vector>

namespace swag::vocab {

// WordNet 3.0's 45 names, for installations without the file (Debian's wordnet-base); the same
// list as inputs/wordnet/lexnames.txt.
std::vector<std::string> standard_lexnames();

// A lexnames file: lines "NN<TAB>name<TAB>syntactic category", NN counting from 00 (NLTK's check).
// Malformed lines are an input error naming file:line.
std::vector<std::string> read_lexnames(const std::string& path);

}  // namespace swag::vocab
