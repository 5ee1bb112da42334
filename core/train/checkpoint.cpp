#include "core/train/checkpoint.h"

#include "core/io/safetensors.h"
#include "core/util/error.h"

namespace udlab {

void save_checkpoint(const std::string& path, const RunConfig& cfg, ParamStore<float>& ps, AdamW<float>* opt,
                     const TrainState& st) {
  SafeTensors out;
  std::vector<float> vals = ps.download_values();
  std::vector<float> m, v;
  if (opt) { m = opt->m().download(); v = opt->v().download(); }
  for (const auto& s : ps.specs()) {
    out.put(s.name, "F32", s.shape, vals.data() + s.offset, s.numel);
    if (opt) {
      out.put("optim.m." + s.name, "F32", s.shape, m.data() + s.offset, s.numel);
      out.put("optim.v." + s.name, "F32", s.shape, v.data() + s.offset, s.numel);
    }
  }
  int64_t step = st.step;
  out.put("train.step", "I64", {1}, &step, 1);
  // The RNG's two uint64 words as I64 bit patterns: PyTorch before 2.3 has no uint64 and refuses a whole
  // file that holds one (Debian 12 ships 1.13).
  int64_t rng[2] = {int64_t(st.rng.state()), int64_t(st.rng.inc())};
  out.put("train.rng", "I64", {2}, rng, 2);
  if (st.has_dropout_rng) {
    int64_t d[2] = {int64_t(st.dropout_rng.state()), int64_t(st.dropout_rng.inc())};
    out.put("train.dropout_rng", "I64", {2}, d, 2);
  }
  out.put("train.accum", "F64", {int64_t(st.accum.size())}, st.accum.data(), st.accum.size());
  out.metadata["format"] = "udlab-checkpoint-1";
  out.metadata["config"] = to_json(cfg).dump();
  save_safetensors(path, out);
}

void load_checkpoint(const std::string& path, ParamStore<float>& ps, AdamW<float>* opt, TrainState* st) {
  SafeTensors in = load_safetensors(path);
  auto wrap = [&](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      throw Error(path + ": " + e.what());
    }
  };
  std::vector<float> vals(ps.numel()), m(opt ? ps.numel() : 0), v(opt ? ps.numel() : 0);
  for (const auto& s : ps.specs()) {
    wrap([&] {
      auto t = in.get<float>(s.name, "F32", s.numel);
      std::copy(t.begin(), t.end(), vals.begin() + s.offset);
      if (opt) {
        auto tm = in.get<float>("optim.m." + s.name, "F32", s.numel);
        auto tv = in.get<float>("optim.v." + s.name, "F32", s.numel);
        std::copy(tm.begin(), tm.end(), m.begin() + s.offset);
        std::copy(tv.begin(), tv.end(), v.begin() + s.offset);
      }
    });
  }
  ps.upload_values(vals);
  if (opt) {
    opt->m().upload(m);
    opt->v().upload(v);
  }
  if (st) {
    wrap([&] {
      st->step = in.get<int64_t>("train.step", "I64", 1)[0];
      // Checkpoints written before 0.1.0's PyTorch fix hold it as U64: the same 16 bytes.
      auto rng = in.tensors.find("train.rng");
      bool old_u64 = rng != in.tensors.end() && rng->second.dtype == "U64";
      auto r = in.get<uint64_t>("train.rng", old_u64 ? "U64" : "I64", 2);
      st->rng.set_state(r[0], r[1]);
      auto it = in.tensors.find("train.accum");
      if (it == in.tensors.end()) throw Error("checkpoint has no tensor 'train.accum'");
      if (it->second.bytes.size() > 64 * sizeof(double)) throw Error("tensor 'train.accum' is too large");
      st->accum = in.get<double>("train.accum", "F64", it->second.bytes.size() / sizeof(double));
      st->has_dropout_rng = in.tensors.count("train.dropout_rng") > 0;
      if (st->has_dropout_rng) {
        auto d = in.get<int64_t>("train.dropout_rng", "I64", 2);
        st->dropout_rng.set_state(uint64_t(d[0]), uint64_t(d[1]));
      }
    });
  }
}

}  // namespace udlab
