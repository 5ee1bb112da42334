// Shared by `params` and `bench`: the vocabulary size of the configured dataset, or --vocab.
#pragma once
#include <string>

#include "cli/flags.h"

namespace udlab::cli {

// Opens the dataset to read its vocabulary size unless --vocab is given; *note explains a fallback.
int vocab_size_for(const RunConfig& cfg, const Flags& f, std::string* note);

}  // namespace udlab::cli
