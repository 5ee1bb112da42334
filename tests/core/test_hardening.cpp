// Issue 16's defects as regression tests: numbers read from files are range-checked, divergence and
// errors are final states in status.json, checkpoints carry a checksum and refuse overlapping or
// duplicate tensors, a killed writer's temp files are cleaned, and dropout resumes bit-exactly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/backend/backend.h"
#include "core/io/run_dir.h"
#include "core/io/safetensors.h"
#include "core/train/checkpoint.h"
#include "core/train/run_loader.h"
#include "core/train/trainer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

using namespace udlab;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() / ("udlab-hardening-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& s) const { return (path / s).string(); }
};

RunConfig tiny(const std::string& model = "lstm") {
  RunConfig c;
  c.model.model = model;
  c.model.hidden = 8;
  c.model.embed = 8;
  c.model.state = 8;
  c.model.layers = 1;
  c.train.dataset = "copy";
  c.train.copy_k = 2;
  c.train.copy_delay = 2;
  c.train.batch = 2;
  c.train.steps = 6;
  c.train.lr = 1e-2;
  c.train.warmup = 0;
  c.train.log_every = 2;
  c.train.eval_every = 3;
  c.train.checkpoint_every = 3;
  c.train.val_tokens = 64;
  c.train.threads = 1;
  return c;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Rewrites one tensor of a checkpoint (keeping a valid checksum), as a damaged-but-consistent file would be.
template <class T>
void patch_tensor(const std::string& path, const std::string& name, std::vector<T> vals) {
  SafeTensors st = load_safetensors(path);
  st.tensors[name].bytes = std::string(reinterpret_cast<const char*>(vals.data()), vals.size() * sizeof(T));
  save_safetensors(path, st);
}

}  // namespace

TEST(Hardening, ConfigNumbersAreRangeChecked) {
  TempDir d;
  for (const char* bad : {R"({"model": "lstm", "val_tokens": 1e999})", R"({"model": "lstm", "steps": 1e300})",
                          R"({"model": "lstm", "seed": -1})", R"({"model": "lstm", "batch": 4294967297})"}) {
    write_file_atomic(d / "config.json", bad);
    std::string msg = message_of([&] { load_run_config(d.path.string()); });
    EXPECT_NE(msg.find("config.json"), std::string::npos) << bad << " -> " << msg;
  }
  EXPECT_THROW(set_from_string(*std::make_unique<RunConfig>(), "steps", "1e300"), Error);
  EXPECT_THROW(set_from_string(*std::make_unique<RunConfig>(), "lr", "inf"), Error);
}

TEST(Hardening, OptimiserHyperparametersAreValidated) {
  for (auto f : std::vector<std::function<void(RunConfig&)>>{
           [](RunConfig& c) { c.train.beta1 = 1; }, [](RunConfig& c) { c.train.beta2 = -0.1; },
           [](RunConfig& c) { c.train.eps = 0; }, [](RunConfig& c) { c.train.min_lr_frac = -5; },
           [](RunConfig& c) { c.train.min_lr_frac = 2; }}) {
    RunConfig c = tiny();
    f(c);
    EXPECT_THROW(validate(c), Error);
  }
}

TEST(Hardening, DropoutIsRefusedWhereItIsNotImplemented) {
  for (const char* m : {"lstm", "group-rnn"}) {
    RunConfig c = tiny(m);
    c.model.dropout = 0.1;
    EXPECT_NE(message_of([&] { validate(c); }).find("dropout"), std::string::npos) << m;
  }
  RunConfig c = tiny("lru");
  c.model.dropout = 0.1;
  EXPECT_NO_THROW(validate(c));
}

TEST(Hardening, HugeThreadCountIsClampedWithANote) {
  std::string note;
  auto be = BackendRegistry::instance().create("cpu", INT_MAX, false, &note);
  EXPECT_LE(be->threads(), int(std::max(1u, std::thread::hardware_concurrency())));
  EXPECT_NE(note.find("clamped"), std::string::npos) << note;
}

TEST(Hardening, HugeFiniteLossIsDivergenceAndStatusIsFinal) {
  TempDir d;
  RunConfig c = tiny("rnn-tanh");
  c.train.lr = 1e6;  // the loss explodes past exp()'s range within a few steps
  c.train.steps = 200;
  c.train.checkpoint_every = 1000;
  RunStatus s = Trainer(c, {d / "run"}).run();
  ASSERT_EQ(s.state, "diverged");
  auto st = read_json_file(d / "run/status.json");
  EXPECT_EQ(st["state"], "diverged");
  EXPECT_NE(st["reason"].get<std::string>().find("no checkpoint"), std::string::npos) << st.dump();
}

namespace {
struct ThrowingObserver : TrainObserver {
  std::chrono::steady_clock::time_point thrown;
  void on_metrics(const MetricsRecord&) override {
    thrown = std::chrono::steady_clock::now();
    throw Error("disk full (simulated)");
  }
};
}  // namespace

TEST(Hardening, AnErrorEndsTheRunAsFailed) {
  TempDir d;
  ThrowingObserver obs;
  Trainer t(tiny(), {d / "run"}, &obs);
  EXPECT_THROW(t.run(), Error);
  // Only a failed write into the run directory waits (up to 1 s) for a removal under way to show.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - obs.thrown).count(), 0.5);
  auto st = read_json_file(d / "run/status.json");
  EXPECT_EQ(st["state"], "failed");
  EXPECT_NE(st["reason"].get<std::string>().find("disk full"), std::string::npos);
}

TEST(Hardening, KillBeforeTheFirstCheckpointResumesFromZero) {
  TempDir d;
  RunConfig c = tiny();
  {
    Trainer t(c, {d / "run"});  // writes config.json, then "killed" before any step
  }
  ASSERT_FALSE(file_exists(d / "run/checkpoint.safetensors"));
  RunStatus s = Trainer(load_run_config(d / "run"), {d / "run", true}).run();
  EXPECT_EQ(s.state, "finished");
  EXPECT_EQ(s.step, c.train.steps);
}

TEST(Hardening, CheckpointStateIsRangeChecked) {
  TempDir d;
  ASSERT_EQ(Trainer(tiny(), {d / "run"}).run().state, "finished");
  const std::string ck = d / "run/checkpoint.safetensors", saved = read_file(ck);
  for (int64_t step : {int64_t(-1), INT64_MIN, int64_t(1) << 40}) {
    write_file_atomic(ck, saved);
    patch_tensor<int64_t>(ck, "train.step", {step});
    std::string msg = message_of([&] { Trainer(load_run_config(d / "run"), {d / "run", true}); });
    EXPECT_NE(msg.find("train.step"), std::string::npos) << step << ": " << msg;
  }
  for (double v : {1e308, -1e308}) {
    write_file_atomic(ck, saved);
    std::vector<double> acc(7, 0.0);
    acc[5] = v;  // the elapsed wall time
    patch_tensor<double>(ck, "train.accum", acc);
    std::string msg = message_of([&] { Trainer(load_run_config(d / "run"), {d / "run", true}); });
    EXPECT_NE(msg.find("train.accum"), std::string::npos) << msg;
  }
}

TEST(Hardening, CheckpointBitFlipsAreDetected) {
  TempDir d;
  ASSERT_EQ(Trainer(tiny(), {d / "run"}).run().state, "finished");
  const std::string ck = d / "run/checkpoint.safetensors", good = read_file(ck);
  ASSERT_NO_THROW(parse_safetensors(good, "good"));
  uint64_t header = 0;
  for (int i = 0; i < 8; ++i) header |= uint64_t(uint8_t(good[i])) << (8 * i);
  int loaded = 0, flips = 0;
  // Every 7th bit of the data section, and a spread of header bytes.
  for (size_t bit = 8 * (8 + header); bit < 8 * good.size(); bit += 8 * 7 + 3, ++flips) {
    std::string bad = good;
    bad[bit / 8] ^= char(1 << (bit % 8));
    try {
      parse_safetensors(bad, "flipped");
      ++loaded;
    } catch (const Error&) {
    }
  }
  EXPECT_GT(flips, 50);
  EXPECT_EQ(loaded, 0) << loaded << " of " << flips << " flipped files loaded";
}

TEST(Hardening, OverlappingOrDuplicateTensorsAreRefused) {
  auto file = [](const std::string& header, size_t data) {
    std::string h = header;
    std::string out;
    for (int i = 0; i < 8; ++i) out.push_back(char((uint64_t(h.size()) >> (8 * i)) & 0xff));
    return out + h + std::string(data, '\0');
  };
  std::string overlap = file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12);
  EXPECT_NE(message_of([&] { parse_safetensors(overlap, "x"); }).find("overlap"), std::string::npos);
  std::string dup = file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  EXPECT_NE(message_of([&] { parse_safetensors(dup, "x"); }).find("twice"), std::string::npos);
  std::string huge = file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}})", 0);
  EXPECT_THROW(parse_safetensors(huge, "x"), Error);
}

TEST(Hardening, AKilledWritersTempFilesAreCleanedOnResume) {
  TempDir d;
  RunConfig c = tiny();
  c.train.steps = 3;
  ASSERT_EQ(Trainer(c, {d / "run"}).run().state, "finished");
  // A pid that cannot be running (above pid_max), and this process's own (a live writer: kept).
  const std::string dead = d / "run/checkpoint.safetensors.tmp-999999999";
  const std::string live = d / ("run/status.json.tmp-" + std::to_string(::getpid()));
  write_file_atomic(dead, "partial");
  std::ofstream(live) << "x";
  RunConfig more = load_run_config(d / "run");
  more.train.steps = 6;
  Trainer t(more, {d / "run", true});
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
}

TEST(Hardening, DropoutResumeIsBitExact) {
  TempDir full, split;
  RunConfig c = tiny("lru");
  c.model.dropout = 0.2;
  c.train.schedule = "constant";  // so that extending 3 -> 6 steps keeps the learning rates of a 6-step run
  ASSERT_EQ(Trainer(c, {full / "run"}).run().state, "finished");
  RunConfig first = c;
  first.train.steps = 3;  // a checkpoint at step 3, then extended to 6
  ASSERT_EQ(Trainer(first, {split / "run"}).run().state, "finished");
  RunConfig rest = load_run_config(split / "run");
  rest.train.steps = 6;
  ASSERT_EQ(Trainer(rest, {split / "run", true}).run().state, "finished");
  SafeTensors a = load_safetensors(full / "run/checkpoint.safetensors"), b = load_safetensors(split / "run/checkpoint.safetensors");
  int differ = 0;
  for (auto& [name, t] : a.tensors)
    if (name.rfind("train.", 0) != 0 && t.bytes != b.tensors[name].bytes) ++differ;
  EXPECT_EQ(differ, 0);
  EXPECT_TRUE(a.has("train.dropout_rng"));
}

TEST(Hardening, RelativeDatasetPathIsStoredAbsolute) {
  TempDir d;
  const auto cwd = fs::current_path();
  fs::current_path(d.path);
  std::string text;
  for (int i = 0; i < 400; ++i) text += "hello world, the quick brown fox. ";
  write_file_atomic("corpus.txt", text);
  RunConfig c = tiny();
  c.train.dataset = "corpus.txt";
  c.train.steps = 2;
  Trainer(c, {"run"}).run();
  fs::current_path(cwd);
  const std::string stored = load_run_config(d / "run").train.dataset;
  EXPECT_EQ(stored, (d.path / "corpus.txt").string());
}
