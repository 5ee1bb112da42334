#include "ui/panels/lessons.h"

namespace udlab::ui {

const std::vector<Lesson>& lessons() {
  using nlohmann::json;
  // Small enough to train in a minute or two on a laptop CPU; telemetry often, so the charts move.
  static const json shakespeare = {{"dataset", "tinyshakespeare"}, {"seq_len", 64}, {"batch", 16}, {"steps", 600},
                                   {"log_every", 10}, {"eval_every", 100}, {"telemetry_every", 20}, {"lr", 3e-3}};
  auto with = [](json base, const json& extra) {
    base.update(extra);
    return base;
  };
  static const std::vector<Lesson> l = {
      {"Why orthogonal? A tanh RNN against O(d)",
       "Watch the hidden-state norm over t: flat for the O(d) model, drifting for the tanh RNN; and ‖∂L/∂h_t‖ "
       "fading towards early positions for the tanh RNN only.",
       "dashboard",
       {{"rnn-tanh h64", with(shakespeare, {{"model", "rnn-tanh"}, {"hidden", 64}, {"seq_len", 128}})},
        {"group-rnn O(8)", with(shakespeare, {{"model", "group-rnn"}, {"group", "o"}, {"d", 8}, {"seq_len", 128}})}}},
      {"LRU ring initialisation against a Glorot disk",
       "The eigenvalue plot: the ring start keeps every |λ| near 1 (long memory); the Glorot start scatters "
       "them over the disk. Scrub the slider to see them move while training.",
       "dashboard",
       {{"lru ring", with(shakespeare, {{"model", "lru"}, {"state", 64}, {"hidden", 64}, {"lru_init", "ring"}})},
        {"lru glorot", with(shakespeare, {{"model", "lru"}, {"state", 64}, {"hidden", 64}, {"lru_init", "glorot"}})}}},
      {"Subgroups side by side on Tiny Shakespeare",
       "Compare view: small multiples, one per subgroup, same axes. Which group learns fastest per parameter?",
       "compare",
       {{"O(8)", with(shakespeare, {{"model", "group-rnn"}, {"group", "o"}, {"d", 8}})},
        {"U(8)", with(shakespeare, {{"model", "group-rnn"}, {"group", "u"}, {"d", 8}})},
        {"torus(8)", with(shakespeare, {{"model", "group-rnn"}, {"group", "torus"}, {"d", 8}})}}},
      {"The U(d) paper's table: parameter-matched models",
       "Every model at about the same parameter count (use 'Match' in the form to set others); read the "
       "summary table in the compare view and export it as Markdown.",
       "compare",
       {{"lstm", with(shakespeare, {{"model", "lstm"}, {"hidden", 48}})},
        {"rnn-tanh", with(shakespeare, {{"model", "rnn-tanh"}, {"hidden", 96}})},
        {"U(8)", with(shakespeare, {{"model", "group-rnn"}, {"group", "u"}, {"d", 8}})}}},
      {"Long memory: the copy task",
       "Accuracy (choose it above the loss chart): a model must remember 10 symbols across a blank delay. "
       "Chance is 1/8; the tanh RNN's gradient through time vanishes over the delay.",
       "dashboard",
       {{"copy lstm", json{{"dataset", "copy"}, {"model", "lstm"}, {"hidden", 64}, {"batch", 32}, {"steps", 800},
                           {"log_every", 10}, {"eval_every", 100}, {"telemetry_every", 20}, {"lr", 3e-3}}},
        {"copy rnn-tanh", json{{"dataset", "copy"}, {"model", "rnn-tanh"}, {"hidden", 64}, {"batch", 32}, {"steps", 800},
                               {"log_every", 10}, {"eval_every", 100}, {"telemetry_every", 20}, {"lr", 3e-3}}}}},
  };
  return l;
}

}  // namespace udlab::ui
