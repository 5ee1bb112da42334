#include "core/train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include "core/data/dataset.h"
#include "core/io/run_dir.h"
#include "core/io/run_liveness.h"
#include "core/models/model_registry.h"
#include "core/train/adamw.h"
#include "core/train/checkpoint.h"
#include "core/train/evaluate.h"
#include "core/train/hot_edit.h"
#include "core/train/lr_schedule.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/memory.h"

namespace udlab {
namespace {

using Clock = std::chrono::steady_clock;

// Indices into TrainState::accum: the partial logging interval travels through checkpoints so that a
// resumed run writes exactly the records an uninterrupted one would.
enum Accum { kLoss, kWeight, kCorrect, kSteps, kTokens, kWall, kIntervalTime, kAccumSize };

// A record that is an event, not a measurement.
MetricsRecord event_record(long step, const char* kind, std::string reason, double wall, nlohmann::json changes = nullptr) {
  MetricsRecord r;
  r.step = int(step);
  r.event = MetricsEvent{kind, std::move(reason), std::move(changes)};
  r.set(Metric::WallTime, wall);
  return r;
}

TrainingMemory memory_need(const Model<float>& model, int B, int T, bool checkpoints) {
  TrainingMemory need;
  need.params = model.params().numel();
  need.workspace = model.workspace_bytes(B, T);
  need.checkpoints = checkpoints;
  for (const auto& s : model.params().specs())
    if (s.shape.size() == 2) need.largest_square = std::max<size_t>(need.largest_square, size_t(std::min(s.shape[0], s.shape[1])));
  return need;
}

// Dataset and data_dir paths are stored absolute, so that eval, sample and --resume work from any directory.
void make_paths_absolute(TrainConfig& tc) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(tc.dataset, ec) && std::filesystem::path(tc.dataset).is_relative())
    tc.dataset = std::filesystem::absolute(tc.dataset, ec).lexically_normal().string();
  if (!tc.data_dir.empty() && std::filesystem::path(tc.data_dir).is_relative())
    tc.data_dir = std::filesystem::absolute(tc.data_dir, ec).lexically_normal().string();
}

// The training state read back from a checkpoint is a number read from a file like any other: a step
// outside 0..INT_MAX or an accumulator that is not a finite, sane value is refused (an extreme wall
// time would overflow the clock arithmetic).
void check_train_state(const TrainState& st, const std::string& path) {
  if (st.step < 0 || st.step > std::numeric_limits<int>::max())
    throw Error(path + ": train.step " + std::to_string(st.step) + " is out of range");
  if (st.accum.size() != kAccumSize) throw Error(path + ": unexpected train.accum size");
  for (size_t i = 0; i < st.accum.size(); ++i)
    if (!std::isfinite(st.accum[i]) || st.accum[i] < -1e300 || std::abs(st.accum[i]) > 1e300)
      throw Error(path + ": train.accum[" + std::to_string(i) + "] is not a finite number");
  if (!(st.accum[kWall] >= 0 && st.accum[kWall] < 1e10) || !(st.accum[kIntervalTime] >= 0 && st.accum[kIntervalTime] < 1e10))
    throw Error(path + ": train.accum holds an impossible wall time");
}

}  // namespace

size_t estimate_training_bytes(const RunConfig& cfg_in, bool with_run_dir) {
  RunConfig cfg = cfg_in;
  validate(cfg);
  auto data = open_dataset(cfg.train);
  const int T = data->fixed_seq_len() > 0 ? data->fixed_seq_len() : cfg.train.seq_len;
  resolve_seq_len(cfg, T);
  auto be = BackendRegistry::instance().create(cfg.train.device, cfg.train.threads, cfg.train.deterministic, nullptr);
  auto model = ModelRegistry::instance().get(cfg.model.model).make_float(cfg.model, data->vocab().size(), *be);
  return memory_need(*model, cfg.train.batch, T, with_run_dir).total();
}

struct Trainer::Impl {
  RunConfig cfg;
  TrainerOptions opts;
  TrainObserver* obs;
  RunControl* ctl;
  RunPaths paths;
  std::unique_ptr<Dataset> data;
  std::unique_ptr<Backend<float>> be;
  std::unique_ptr<Model<float>> model;
  std::unique_ptr<AdamW<float>> opt;
  TrainState st;
  int T = 0, B = 0;
  std::string device_note;
  bool has_checkpoint = false;  // a checkpoint of this run exists on disk
  MetricsLog log;
  std::vector<Batch> val_batches;
  std::vector<Batch> answer_batches;  // val again, weighted on the answers (standard copy loss only)
  std::unique_ptr<RunLock> lock;             // this process alone trains into paths.dir
  RunDirIdentity dir_identity{""};           // "" (no run directory) never reports a problem
  std::unique_ptr<StatusWriter> status_out;  // status.json with pid, host and a heartbeat

  RunStatus loop();
  // Ends the run as "diverged" at `step` (1-based) without touching the last checkpoint.
  RunStatus diverge(RunStatus status, long step, const std::string& why, double wall) {
    status.state = "diverged";
    status.reason = "step " + std::to_string(step) + ": " + why +
                    (has_checkpoint ? "" : " (no checkpoint had been written yet)");
    emit_metrics(event_record(step, "diverged", status.reason, wall));
    emit_status(status);
    return status;
  }

  void emit_status(const RunStatus& s) {
    if (status_out) status_out->write(s);
    if (obs) obs->on_status(s);
  }
  void emit_metrics(const MetricsRecord& rec) {
    log.append(rec);
    if (obs) obs->on_metrics(rec);
  }
  void checkpoint() {
    if (paths.dir.empty()) return;
    if (Rng* r = model->dropout_rng()) {
      st.has_dropout_rng = true;
      st.dropout_rng = *r;
    }
    save_checkpoint(paths.checkpoint(), cfg, model->params(), opt.get(), st);
    has_checkpoint = true;
  }
  nlohmann::json run_info() const {
    nlohmann::json tensors = nlohmann::json::array();
    for (auto& s : model->params().specs()) tensors.push_back({{"name", s.name}, {"shape", s.shape}, {"numel", s.numel}});
    return {{"params", model->params().numel()}, {"tensors", tensors}, {"vocab", data->vocab().size()},
            {"dataset", data->name()},  {"synthetic", data->synthetic()},      {"seq_len", T},
            {"baseline_loss", std::isfinite(data->memoryless_loss()) ? nlohmann::json(data->memoryless_loss()) : nlohmann::json()},
            {"backend", be->name()},    {"threads", be->threads()},            {"device_note", device_note},
            {"config", to_json(cfg)}, {"label", opts.label}};
  }
  // Applies the queued hot edits. Each becomes a metrics record at the current step (so it takes effect
  // from the next one); config.json and run_info.json are rewritten so that eval, sample and --resume
  // see what is in effect, and a checkpoint is written so that the directory never pairs the edited
  // config with an older checkpoint (resuming from one would replay steps with values they never had).
  // A request that fails validation is logged and skipped: a bad edit must not end a good run.
  void apply_edits(double wall) {
    if (!ctl) return;
    bool logged = false;
    for (const auto& e : ctl->take_edits()) {
      nlohmann::json applied;
      try {
        applied = apply_hot_edit(cfg.train, e);
      } catch (const Error& err) {
        emit_metrics(event_record(st.step, "edit_rejected", err.what(), wall));
        logged = true;
        continue;
      }
      if (applied.empty()) continue;
      emit_metrics(event_record(st.step, "edit", describe_hot_edit(applied), wall, applied));
      logged = true;
    }
    // Also after a rejection alone: the checkpoint keeps its record when the run is resumed.
    if (!logged || paths.dir.empty()) return;
    write_json_atomic(paths.config(), to_json(cfg));
    // The window may have relabelled the run since it started (ui/panels/runs_panel.h): keep that label.
    try {
      auto old = read_json_file(paths.info());
      if (old.is_object() && old.contains("label") && old["label"].is_string()) opts.label = old["label"].get<std::string>();
    } catch (const Error&) {
    }
    write_json_atomic(paths.info(), run_info());
    st.accum[kWall] = wall;
    checkpoint();
  }
};

Trainer::Trainer(RunConfig cfg, TrainerOptions opts, TrainObserver* observer, RunControl* control)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.cfg = std::move(cfg);
  m.opts = std::move(opts);
  m.obs = observer;
  m.ctl = control;
  m.paths.dir = m.opts.run_dir;
  validate(m.cfg);
  const auto& tc = m.cfg.train;

  if (m.opts.resume && (m.paths.dir.empty() || !file_exists(m.paths.config())))
    throw Error("cannot resume: " + m.paths.dir + " has no config.json");
  if (!m.paths.dir.empty() && !m.opts.resume && file_exists(m.paths.config()))
    throw Error("run directory " + m.paths.dir + " already holds a run; use --resume or another --out");
  // A run killed before its first checkpoint resumes from step 0 rather than stranding its directory.
  const bool from_checkpoint = m.opts.resume && file_exists(m.paths.checkpoint());
  const std::string start_note =
      m.opts.resume && !from_checkpoint ? "no checkpoint yet in " + m.paths.dir + ": starting from step 0" : "";
  if (!m.paths.dir.empty()) remove_stale_temp_files(m.paths.dir);
  if (!m.opts.resume) make_paths_absolute(m.cfg.train);
  validate_run_label(m.opts.label);
  if (m.opts.resume && m.opts.label.empty() && file_exists(m.paths.info())) {
    // Keep the label the run was given (or renamed to in the window).
    try {
      auto old = read_json_file(m.paths.info());
      if (old.contains("label") && old["label"].is_string()) m.opts.label = old["label"].get<std::string>();
    } catch (const Error&) {
    }
  }

  m.data = open_dataset(tc);
  m.T = m.data->fixed_seq_len() > 0 ? m.data->fixed_seq_len() : tc.seq_len;
  m.B = tc.batch;
  resolve_seq_len(m.cfg, m.T);
  const ModelInfo& info = ModelRegistry::instance().get(m.cfg.model.model);
  m.be = BackendRegistry::instance().create(tc.device, tc.threads, tc.deterministic, &m.device_note);
  if (!start_note.empty()) m.device_note += (m.device_note.empty() ? "" : "; ") + start_note;
  m.model = info.make_float(m.cfg.model, m.data->vocab().size(), *m.be);

  // Everything a step holds at its peak (core/util/memory.cpp): refuse before allocating anything big.
  const TrainingMemory need = memory_need(*m.model, m.B, m.T, !m.paths.dir.empty());
  size_t bytes = need.total();
  check_fits_in_memory(bytes, "model " + m.cfg.model.model + " with batch " + std::to_string(m.B) + " x seq_len " +
                                  std::to_string(m.T));
  m.model->params().allocate(*m.be);
  m.opt = std::make_unique<AdamW<float>>(*m.be, m.model->params());
  Rng init_rng(tc.seed);
  m.model->init(init_rng);
  m.st.rng = Rng(tc.seed * 0x9E3779B97F4A7C15ULL + 17);
  m.st.accum.assign(kAccumSize, 0.0);

  if (from_checkpoint) {
    load_checkpoint(m.paths.checkpoint(), m.model->params(), m.opt.get(), &m.st);
    check_train_state(m.st, m.paths.checkpoint());
    if (Rng* r = m.model->dropout_rng()) {
      if (m.st.has_dropout_rng) *r = m.st.dropout_rng;
    }
  }
  m.val_batches = m.data->eval_batches(Split::Val, m.B, m.T, tc.val_tokens);
  m.answer_batches = m.data->answer_batches(Split::Val, m.B, m.T, tc.val_tokens);

  if (!m.paths.dir.empty()) {
    // Locked after every check (a failed start leaves no directory) and before anything is written.
    std::error_code ec;
    std::filesystem::create_directories(m.paths.dir, ec);
    if (ec) throw Error("cannot create run directory " + m.paths.dir + ": " + ec.message());
    m.lock = std::make_unique<RunLock>(m.paths.dir);
    m.dir_identity = RunDirIdentity(m.paths.dir);
    write_json_atomic(m.paths.config(), to_json(m.cfg));
    write_json_atomic(m.paths.info(), m.run_info());
    m.status_out = std::make_unique<StatusWriter>(m.paths.status());
    m.log.open(m.paths.metrics(), m.opts.resume ? m.st.step : 0);
  }
}

Trainer::~Trainer() = default;

void validate_run_label(const std::string& label) {
  if (label.size() > 80) throw Error("label is longer than 80 characters");
  for (unsigned char c : label)
    if (c < 0x20 || c == 0x7f) throw Error("label must be one line of printable text (it holds a newline or control character)");
}

const RunConfig& Trainer::config() const { return impl_->cfg; }
size_t Trainer::param_count() const { return impl_->model->params().numel(); }
const RunDirIdentity& Trainer::dir_identity() const { return impl_->dir_identity; }

// Any error ends the run as "failed" in status.json (a reader must never see "running" for ever), then
// propagates to the front end, which reports it.
RunStatus Trainer::run() {
  Impl& m = *impl_;
  try {
    return m.loop();
  } catch (const std::exception& e) {
    RunStatus s;
    s.state = "failed";
    s.step = int(m.st.step);
    s.reason = dynamic_cast<const std::bad_alloc*>(&e) ? std::string("out of memory") : std::string(e.what());
    // A write that failed because the directory went away says so, not "cannot write .../x.tmp".
    std::string gone = m.ctl ? m.ctl->abort_reason() : std::string();
    if (gone.empty()) gone = m.dir_identity.problem();
    // A write into the directory that failed half-way through its removal (a file error names its path):
    // give the remover a moment, so that the message says what happened rather than which file went
    // missing. Any other failure (a refused option, a bad batch) ends the run at once.
    const bool named_a_file_in_dir = !m.paths.dir.empty() && s.reason.find(m.paths.dir + "/") != std::string::npos;
    for (int i = 0; gone.empty() && named_a_file_in_dir && i < 10; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      gone = m.dir_identity.problem();
    }
    if (!gone.empty()) s.reason = gone + " (at step " + std::to_string(s.step) + ")";
    try {
      m.emit_status(s);  // through the heartbeat writer, so that it never rewrites "running" after this
    } catch (const std::exception&) {
      // The status cannot be written either (a full disk, a removed directory): the error above says why.
    }
    if (!gone.empty()) throw Error(s.reason);
    throw;
  }
}

RunStatus Trainer::Impl::loop() {
  Impl& m = *this;
  const TrainConfig& tc = m.cfg.train;
  auto& ps = m.model->params();
  auto& dense = m.be->dense();
  const auto& specs = ps.specs();
  auto& acc = m.st.accum;
  const int telemetry_every = tc.telemetry_every > 0 ? tc.telemetry_every : tc.log_every;
  const int checkpoint_every = tc.checkpoint_every > 0 ? tc.checkpoint_every : tc.eval_every;

  if (m.obs) m.obs->on_start(m.run_info());
  RunStatus status;
  status.step = int(m.st.step);
  m.emit_status(status);

  auto wall_start = Clock::now() - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(acc[kWall]));
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - wall_start).count(); };

  while (m.st.step < tc.steps) {
    if (m.ctl && m.ctl->paused() && !m.ctl->cancelled()) {
      auto pause_begin = Clock::now();
      const double wall_at_pause = elapsed();
      status.state = "paused";
      m.emit_status(status);
      bool single_step = false;
      while (!single_step && m.ctl->wait_while_paused_or_edit()) {
        m.apply_edits(wall_at_pause);
        single_step = m.ctl->take_step();
      }
      wall_start += Clock::now() - pause_begin;  // paused time is not training time
      // A single step stays "paused": the next pass through here reports the new step, still paused.
      status.state = single_step ? "paused" : "running";
      if (!m.ctl->cancelled() && !single_step) m.emit_status(status);
    }
    m.apply_edits(elapsed());
    if (m.ctl && m.ctl->cancelled() && !m.ctl->abort_reason().empty()) throw Error(m.ctl->abort_reason());
    if (m.ctl && m.ctl->cancelled()) {
      acc[kWall] = elapsed();
      m.checkpoint();
      status.state = "cancelled";
      status.reason = "cancelled at step " + std::to_string(m.st.step);
      m.emit_status(status);
      return status;
    }

    const long step = m.st.step;  // the step being taken (0-based)
    const bool log_now = (step + 1) % tc.log_every == 0 || step + 1 == tc.steps;
    const bool tel_now = log_now && ((step + 1) % telemetry_every == 0 || step + 1 == tc.steps);
    Batch batch = m.data->sample_batch(m.B, m.T, m.st.rng);
    Telemetry tel;
    auto t0 = Clock::now();
    StepResult r = m.model->forward_backward(batch, true, tel_now ? &tel : nullptr);

    // Divergence: stop before the update so the last checkpoint and the metrics stay good.
    // A finite loss whose perplexity overflows a double (above ~709.78 nats) has diverged too.
    std::string bad;
    if (!std::isfinite(r.loss_sum)) bad = "loss is " + std::to_string(r.loss_sum);
    else if (!std::isfinite(std::exp(r.loss_sum / std::max(r.weight_sum, 1e-300))))
      bad = "loss " + std::to_string(r.loss_sum / std::max(r.weight_sum, 1e-300)) + " nats (perplexity overflows)";
    else if (dense.has_nonfinite(ps.grads(), ps.numel()))
      for (int i = 0; i < int(specs.size()) && bad.empty(); ++i)
        if (dense.has_nonfinite(ps.grad(i), specs[i].numel)) bad = "gradient of " + specs[i].name + " is not finite";
    if (!bad.empty()) return m.diverge(status, step + 1, bad, elapsed());

    std::vector<double> tensor_sq(specs.size());
    double total_sq = 0;
    for (size_t i = 0; i < specs.size(); ++i) {
      tensor_sq[i] = dense.sumsq(ps.grad(int(i)), specs[i].numel);
      total_sq += tensor_sq[i];
    }
    double gnorm = std::sqrt(total_sq);
    if (tc.clip > 0 && gnorm > tc.clip) dense.scale(ps.grads(), float(tc.clip / gnorm), ps.numel());
    double lr = learning_rate(tc, int(step));
    m.opt->step(lr, tc.beta1, tc.beta2, tc.eps, tc.weight_decay, step + 1);
    m.model->after_update();
    m.be->synchronize();
    double step_time = std::chrono::duration<double>(Clock::now() - t0).count();
    m.st.step = step + 1;

    acc[kLoss] += r.loss_sum;
    acc[kWeight] += r.weight_sum;
    acc[kCorrect] += r.correct;
    acc[kSteps] += 1;
    acc[kTokens] += double(m.B) * m.T;
    acc[kIntervalTime] += step_time;
    const double tokens_total = double(m.st.step) * m.B * m.T;
    if (m.obs) m.obs->on_progress(int(m.st.step), tc.steps, double(m.B) * m.T / std::max(step_time, 1e-9));

    const bool eval_now = (tc.eval_every > 0 && m.st.step % tc.eval_every == 0) || m.st.step == tc.steps;
    if (log_now || eval_now) {
      double loss = acc[kLoss] / std::max(acc[kWeight], 1e-300);
      MetricsRecord rec;
      rec.step = int(m.st.step);
      rec.set(Metric::Tokens, tokens_total);
      rec.set(Metric::Lr, lr);
      rec.set(Metric::TrainLoss, loss);
      rec.set(Metric::TrainBpc, loss / M_LN2);
      rec.set(Metric::TrainPpl, std::exp(loss));
      rec.set(Metric::GradNorm, gnorm);
      rec.set(Metric::TokensPerS, acc[kTokens] / std::max(acc[kIntervalTime], 1e-9));
      // With the standard copy loss the weighted positions are all positions, not the answers.
      if (m.data->synthetic())
        rec.set(m.answer_batches.empty() ? Metric::Accuracy : Metric::PositionAccuracy, acc[kCorrect] / std::max(acc[kWeight], 1e-300));
      for (size_t i = 0; i < specs.size(); ++i) rec.grad_norms.emplace_back(specs[i].name, std::sqrt(tensor_sq[i]));
      if (eval_now && !m.val_batches.empty()) {
        StepResult v = evaluate_batches(*m.model, m.val_batches);
        double vl = v.mean_loss();
        rec.set(Metric::ValLoss, vl);
        rec.set(Metric::ValBpc, vl / M_LN2);
        rec.set(Metric::ValPpl, std::exp(vl));
        if (!m.answer_batches.empty()) {
          rec.set(Metric::ValPositionAccuracy, v.correct / std::max(v.weight_sum, 1e-300));
          v = evaluate_batches(*m.model, m.answer_batches);
        }
        if (m.data->synthetic()) rec.set(Metric::ValAccuracy, v.correct / std::max(v.weight_sum, 1e-300));
      }
      if (tel_now) {
        rec.has_telemetry = true;
        rec.telemetry = std::move(tel);
      }
      rec.set(Metric::WallTime, elapsed());
      acc[kLoss] = acc[kWeight] = acc[kCorrect] = acc[kSteps] = acc[kTokens] = acc[kIntervalTime] = 0;
      m.emit_metrics(rec);
      if (rec.has(Metric::ValPpl) && !std::isfinite(rec.get(Metric::ValPpl)))
        return m.diverge(status, m.st.step,
                         "validation loss " + nlohmann::json(rec.get(Metric::ValLoss)).dump() + " (perplexity not finite)", elapsed());
    }
    if ((checkpoint_every > 0 && m.st.step % checkpoint_every == 0) || m.st.step == tc.steps) {
      acc[kWall] = elapsed();
      m.checkpoint();
    }
    status.step = int(m.st.step);
    if (m.status_out) m.status_out->set_step(status.step);
  }
  acc[kWall] = elapsed();
  status.state = "finished";
  status.step = int(m.st.step);
  status.reason.clear();
  m.emit_status(status);
  return status;
}

}  // namespace udlab
