// Datasets: a vocabulary plus a way to draw training batches and evaluation windows.
// Text corpora (tinyshakespeare, ptb, any UTF-8 file) and seeded synthetic tasks (copy, recall)
// share this interface; open_dataset() picks one from the run config.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/models/model.h"
#include "core/util/rng.h"

namespace udlab {

struct TrainConfig;

enum class Split { Train, Val, Test };

struct Vocab {
  std::vector<std::string> tokens;  // id -> token text (a UTF-8 character, or a word)
  bool char_level = true;
  int size() const { return int(tokens.size()); }
  // Char-level: concatenation; word-level: words joined by spaces, "<eos>" becomes a newline.
  std::string decode(const std::vector<int32_t>& ids) const;
  // Throws udlab::Error naming the first unknown character or word.
  std::vector<int32_t> encode(const std::string& text) const;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::string name() const = 0;
  virtual const Vocab& vocab() const = 0;
  // Synthetic tasks report accuracy and fix the sequence length themselves.
  virtual bool synthetic() const = 0;
  // 0 for corpora (the run's seq_len applies); the task's T for synthetic data.
  virtual int fixed_seq_len() const { return 0; }
  // Number of tokens in a split (for synthetic tasks: the size of the fixed evaluation set).
  virtual size_t split_tokens(Split s) const = 0;
  // B random windows of T+1 tokens from the train split, drawn from rng.
  virtual Batch sample_batch(int B, int T, Rng& rng) const = 0;
  // Evaluation: the split (its first max_tokens tokens if > 0) cut into consecutive windows of T+1
  // tokens with stride T, grouped into batches of at most B windows. Synthetic: a fixed seeded set.
  virtual std::vector<Batch> eval_batches(Split s, int B, int T, size_t max_tokens) const = 0;
};

// Resolves cfg.dataset (a name, a synthetic task, or a path to a UTF-8 text file) using cfg.data_dir,
// then $UDLAB_DATA_DIR, then the user cache directory, then the bundled copy (tinyshakespeare). Throws udlab::Error naming any missing file.
std::unique_ptr<Dataset> open_dataset(const TrainConfig& cfg);

// The path of the bundled copy when open_dataset(cfg) would read it (no search directory holds the file),
// else "": callers tell the user which copy they train on.
std::string bundled_dataset_path(const TrainConfig& cfg);

}  // namespace udlab
