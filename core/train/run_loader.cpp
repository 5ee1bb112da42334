#include "core/train/run_loader.h"

#include <algorithm>
#include <cmath>

#include "core/io/run_dir.h"
#include "core/models/model_registry.h"
#include "core/train/checkpoint.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/memory.h"

namespace udlab {

LoadedRun load_run(const std::string& run_dir, int threads, const std::string& data_dir) {
  LoadedRun r;
  r.cfg = load_run_config(run_dir);
  remove_stale_temp_files(run_dir);
  if (!data_dir.empty()) r.cfg.train.data_dir = data_dir;
  RunPaths p{run_dir};
  if (!file_exists(p.checkpoint())) throw Error(run_dir + " has no checkpoint.safetensors (the run has not saved yet)");
  r.data = open_dataset(r.cfg.train);
  r.seq_len = r.data->fixed_seq_len() > 0 ? r.data->fixed_seq_len() : r.cfg.train.seq_len;
  resolve_seq_len(r.cfg, r.seq_len);
  r.backend = BackendRegistry::instance().create("cpu", threads, false);
  r.model = ModelRegistry::instance().get(r.cfg.model.model).make_float(r.cfg.model, r.data->vocab().size(), *r.backend);
  check_fits_in_memory(r.model->params().numel() * 2 * sizeof(float) + r.model->workspace_bytes(r.cfg.train.batch, r.seq_len),
                       "model " + r.cfg.model.model);
  r.model->params().allocate(*r.backend);
  load_checkpoint(p.checkpoint(), r.model->params(), nullptr, nullptr);
  return r;
}

std::string sample_text(LoadedRun& run, const std::string& prompt, int length, double temperature, uint64_t seed) {
  if (length < 0) throw Error("length must not be negative");
  if (!(temperature >= 0) || !std::isfinite(temperature)) throw Error("temperature must be >= 0");
  const Vocab& vocab = run.data->vocab();
  std::vector<int32_t> ids = vocab.encode(prompt);
  if (ids.empty()) ids.push_back(0);  // an empty prompt starts from token 0
  Rng rng(seed);
  for (int i = 0; i < length; ++i) {
    size_t start = ids.size() > size_t(run.seq_len) ? ids.size() - run.seq_len : 0;
    std::vector<int32_t> ctx(ids.begin() + std::ptrdiff_t(start), ids.end());
    std::vector<double> logits = run.model->predict_next(ctx);
    int32_t next = 0;
    if (temperature == 0) {
      next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    } else {
      double mx = *std::max_element(logits.begin(), logits.end());
      std::vector<double> p(logits.size());
      double sum = 0;
      for (size_t k = 0; k < p.size(); ++k) sum += p[k] = std::exp((logits[k] - mx) / temperature);
      double u = rng.uniform() * sum, c = 0;
      next = int32_t(p.size() - 1);
      for (size_t k = 0; k < p.size(); ++k)
        if ((c += p[k]) > u) { next = int32_t(k); break; }
    }
    ids.push_back(next);
  }
  std::vector<int32_t> out(ids.begin() + std::ptrdiff_t(prompt.empty() ? 1 : 0), ids.end());
  return vocab.decode(out);
}

}  // namespace udlab
