#include "core/train/run_config.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <type_traits>

#include "core/util/error.h"

namespace udlab {
namespace {

// The single list of config keys: JSON names are the CLI flag names with '-' replaced by '_'.
template <class C, class F>
void visit(C& c, F&& f) {
  auto& m = c.model;
  auto& t = c.train;
  f("model", m.model); f("layers", m.layers); f("embed", m.embed); f("hidden", m.hidden);
  f("heads", m.heads); f("max_len", m.max_len);
  f("group", m.group); f("d", m.d); f("mixing", m.mixing); f("learn_h0", m.learn_h0);
  f("reflect", m.reflect); f("reorth_threshold", m.reorth_threshold); f("recompute_chunk", m.recompute_chunk);
  f("readout", m.readout); f("xi_init", m.xi_init); f("xi_bound", m.xi_bound);
  f("io_lr_factor", m.io_lr_factor);
  f("state", m.state); f("r_min", m.r_min); f("r_max", m.r_max); f("max_phase", m.max_phase);
  f("lru_gamma", m.lru_gamma); f("lru_init", m.lru_init); f("lru_lr_factor", m.lru_lr_factor);
  f("glorot_radius", m.glorot_radius);
  f("dropout", m.dropout); f("recurrence", m.recurrence); f("lru_param", m.lru_param);
  f("orth_act", m.orth_act); f("orth_init", m.orth_init); f("orth_lr_factor", m.orth_lr_factor);
  f("dataset", t.dataset); f("data_dir", t.data_dir); f("seq_len", t.seq_len); f("batch", t.batch);
  f("steps", t.steps); f("lr", t.lr); f("warmup", t.warmup); f("min_lr_frac", t.min_lr_frac);
  f("schedule", t.schedule); f("clip", t.clip); f("weight_decay", t.weight_decay);
  f("beta1", t.beta1); f("beta2", t.beta2); f("eps", t.eps); f("seed", t.seed); f("threads", t.threads);
  f("eval_every", t.eval_every); f("log_every", t.log_every); f("telemetry_every", t.telemetry_every);
  f("checkpoint_every", t.checkpoint_every); f("val_tokens", t.val_tokens); f("device", t.device);
  f("deterministic", t.deterministic);
  f("copy_k", t.copy_k); f("copy_delay", t.copy_delay); f("copy_symbols", t.copy_symbols);
  f("copy_loss", t.copy_loss);
  f("recall_pairs", t.recall_pairs); f("recall_keys", t.recall_keys); f("recall_values", t.recall_values);
  f("listops_max_depth", t.listops_max_depth); f("listops_max_args", t.listops_max_args);
  f("listops_min_len", t.listops_min_len); f("listops_max_len", t.listops_max_len);
}

// Whether a whole number d converts to U without overflow (a cast out of range is undefined behaviour).
template <class U>
bool fits(double d) {
  return d >= double(std::numeric_limits<U>::min()) && d < std::ldexp(1.0, std::numeric_limits<U>::digits);
}

template <class T>
void set_json(T& field, const nlohmann::json& v, const std::string& key) {
  using U = std::decay_t<T>;
  bool ok = false;
  if constexpr (std::is_same_v<U, bool>) ok = v.is_boolean();
  else if constexpr (std::is_integral_v<U>) ok = v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  else if constexpr (std::is_floating_point_v<U>) ok = v.is_number();
  else ok = v.is_string();
  if (!ok) throw Error("config key '" + key + "' has the wrong type (" + std::string(v.type_name()) + ")");
  if constexpr (std::is_integral_v<U> && !std::is_same_v<U, bool>) {
    double d = v.get<double>();
    if (std::is_unsigned_v<U> && d < 0) throw Error("config key '" + key + "' must not be negative");
    if (!fits<U>(d)) throw Error("config key '" + key + "' is out of range (" + v.dump() + ")");
    field = static_cast<U>(d);
  } else if constexpr (std::is_floating_point_v<U>) {
    field = v.get<U>();
    if (!std::isfinite(field)) throw Error("config key '" + key + "' is not finite");
  } else {
    field = v.get<U>();
  }
}

template <class T>
void set_text(T& field, const std::string& s, const std::string& key) {
  using U = std::decay_t<T>;
  auto bad = [&] { return Error("bad value '" + s + "' for --" + key); };
  if constexpr (std::is_same_v<U, bool>) {
    if (s == "true" || s == "1" || s == "on" || s == "yes") field = true;
    else if (s == "false" || s == "0" || s == "off" || s == "no") field = false;
    else throw bad();
  } else if constexpr (std::is_integral_v<U>) {
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);  // accepts 1e6
    if (s.empty() || *end || std::floor(d) != d || std::isnan(d) || !fits<U>(d)) throw bad();
    field = static_cast<U>(d);
  } else if constexpr (std::is_floating_point_v<U>) {
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || *end || !std::isfinite(d)) throw bad();
    field = d;
  } else {
    field = s;
  }
}

}  // namespace

nlohmann::json to_json(const RunConfig& c) {
  nlohmann::json j = nlohmann::json::object();
  visit(c, [&](const char* k, const auto& v) { j[k] = v; });
  return j;
}

void apply_json(RunConfig& c, const nlohmann::json& j) {
  if (!j.is_object()) throw Error("config must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool found = false;
    visit(c, [&](const char* k, auto& v) {
      if (it.key() == k) { set_json(v, it.value(), k); found = true; }
    });
    if (!found) throw Error("unknown config key '" + it.key() + "'");
  }
}

RunConfig run_config_from_json(const nlohmann::json& j) {
  RunConfig c;
  apply_json(c, j);
  validate(c);
  return c;
}

void set_from_string(RunConfig& c, const std::string& key, const std::string& value) {
  bool found = false;
  visit(c, [&](const char* k, auto& v) {
    if (key == k) { set_text(v, value, key); found = true; }
  });
  if (!found) throw Error("unknown option --" + key);
}

bool is_config_key(const std::string& key) {
  RunConfig c;
  bool found = false;
  visit(c, [&](const char* k, auto&) { found |= (key == k); });
  return found;
}

bool is_bool_key(const std::string& key) {
  RunConfig c;
  bool b = false;
  visit(c, [&](const char* k, auto& v) {
    if (key == k) b = std::is_same_v<std::decay_t<decltype(v)>, bool>;
  });
  return b;
}

void validate(const RunConfig& c) {
  auto need = [](bool ok, const std::string& msg) { if (!ok) throw Error(msg); };
  const auto& m = c.model;
  const auto& t = c.train;
  need(m.layers >= 1 && m.layers <= 64, "layers must be in 1..64");
  need(m.embed >= 1, "embed must be positive");
  need(m.hidden >= 1, "hidden must be positive");
  need(m.heads >= 1, "heads must be positive");
  need(m.d >= 1 && m.d <= 4096, "d must be in 1..4096");
  need(m.state >= 1, "state must be positive");
  need(m.r_min >= 0 && m.r_min < m.r_max && m.r_max < 1, "need 0 <= r_min < r_max < 1");
  need(m.max_phase > 0, "max_phase must be positive");
  need(m.lru_init == "ring" || m.lru_init == "glorot", "lru_init must be ring or glorot");
  need(m.glorot_radius >= 0 && m.glorot_radius <= 1, "glorot_radius must be in [0, 1] (0 = raw Glorot)");
  need(m.xi_init > 0 && m.xi_init < 3.14159, "xi_init must be in (0, pi)");
  need(m.xi_bound == 0 || (m.xi_bound > 0 && m.xi_bound <= 3.14159266), "xi_bound must be 0 (off) or in (0, pi]");
  need(m.readout == "auto" || m.readout == "token" || m.readout == "mean" || m.readout == "last" ||
           m.readout == "token-xi",
       "readout must be auto, token, mean, last or token-xi");
  need(m.readout != "token-xi" || m.model == "group-rnn", "readout token-xi is group-rnn's (got " + m.model + ")");
  // The models with the pooled sequence readout (lm_head.h): every recurrent model.
  const bool pooled = m.model == "lstm" || m.model == "rnn-tanh" || m.model == "orth-rnn" || m.model == "lru" ||
                      m.model == "group-rnn";
  need(m.readout == "auto" || m.readout == "token" || m.readout == "token-xi" || pooled,
       "readout mean/last is implemented for lstm, rnn-tanh, orth-rnn, group-rnn and lru (got " + m.model + ")");
  need(t.dataset != "listops" || pooled,
       "listops labels whole sequences: it needs a recurrent model with the sequence readout (lstm, rnn-tanh, "
       "orth-rnn, group-rnn, lru; got " + m.model + ")");
  need(t.dataset != "listops" || m.readout != "token-xi",
       "listops labels whole sequences: readout token-xi reads every token; use auto, mean or last");
  need(m.recurrence == "tanh" || m.recurrence == "linear", "recurrence must be tanh or linear");
  need(m.lru_param == "dense" || m.lru_param == "real-im" || m.lru_param == "exp" || m.lru_param == "stable-exp",
       "lru_param must be dense, real-im, exp or stable-exp");
  need(m.dropout >= 0 && m.dropout < 1, "dropout must be in [0, 1)");
  // Only the LRU implements dropout; silently training another model without it would mislead.
  need(m.dropout == 0 || m.model == "lru", "dropout is implemented only for model lru (got " + m.model + ")");
  need(m.recompute_chunk >= 0 && m.recompute_chunk % 16 == 0,
       "recompute_chunk must be 0 (off) or a positive multiple of 16 (got " + std::to_string(m.recompute_chunk) + ")");
  need(m.recompute_chunk == 0 || m.model == "group-rnn",
       "recompute_chunk is implemented only for model group-rnn (got " + m.model + ")");
  need(m.lru_lr_factor > 0, "lru_lr_factor must be positive");
  need(m.orth_act == "modrelu" || m.orth_act == "tanh", "orth_act must be modrelu or tanh");
  need(m.orth_init == "henaff" || m.orth_init == "cayley" || m.orth_init == "identity",
       "orth_init must be henaff, cayley or identity");
  need(m.orth_lr_factor > 0 && std::isfinite(m.orth_lr_factor), "orth_lr_factor must be positive");
  need(m.io_lr_factor > 0 && std::isfinite(m.io_lr_factor), "io_lr_factor must be positive");
  need(t.seq_len >= 1 && t.seq_len <= (1 << 20), "seq_len must be in 1..1048576");
  need(t.batch >= 1 && t.batch <= (1 << 16), "batch must be in 1..65536");
  need(t.steps >= 0, "steps must not be negative");
  need(t.lr > 0 && std::isfinite(t.lr), "lr must be positive");
  need(t.warmup >= 0, "warmup must not be negative");
  need(t.min_lr_frac >= 0 && t.min_lr_frac <= 1, "min_lr_frac must be in [0, 1]");
  need(t.beta1 >= 0 && t.beta1 < 1, "beta1 must be in [0, 1)");
  need(t.beta2 >= 0 && t.beta2 < 1, "beta2 must be in [0, 1)");
  need(t.eps > 0 && t.eps <= 1, "eps must be in (0, 1]");
  need(std::isfinite(t.clip) && std::isfinite(t.weight_decay), "clip and weight_decay must be finite");
  need(t.val_tokens <= (size_t(1) << 40), "val_tokens must be at most 2^40");
  need(t.schedule == "cosine" || t.schedule == "constant", "schedule must be cosine or constant");
  need(t.clip >= 0, "clip must not be negative");
  need(t.weight_decay >= 0, "weight_decay must not be negative");
  need(t.threads >= 0, "threads must not be negative");
  need(t.eval_every >= 0 && t.log_every >= 1, "log_every must be >= 1 and eval_every >= 0");
  need(t.device == "cpu" || t.device == "cuda" || t.device == "auto", "device must be cpu, cuda or auto");
  need(t.copy_k >= 1 && t.copy_delay >= 0 && t.copy_symbols >= 2, "copy task needs copy_k >= 1, copy_delay >= 0, copy_symbols >= 2");
  need(t.copy_loss == "answers" || t.copy_loss == "all", "copy_loss must be answers or all");
  need(t.copy_loss == "answers" || t.copy_delay >= 1, "copy_loss all needs copy_delay >= 1");
  need(t.listops_max_depth >= 1 && t.listops_max_args >= 2 && t.listops_min_len >= 0 &&
           t.listops_max_len > t.listops_min_len + 1 && t.listops_max_len <= (1 << 20) + 1,
       "listops needs listops_max_depth >= 1, listops_max_args >= 2 and 0 <= listops_min_len < listops_max_len - 1");
  need(t.recall_pairs >= 1 && t.recall_keys >= t.recall_pairs && t.recall_values >= 2,
       "recall task needs recall_keys >= recall_pairs >= 1 and recall_values >= 2");
}

}  // namespace udlab
