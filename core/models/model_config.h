// Every model hyperparameter any model reads. One flat struct so that config.json, CLI flags and the
// GUI's experiment panel map onto it one to one (see core/train/run_config.cpp for the JSON names).
#pragma once
#include <string>

namespace udlab {

struct ModelConfig {
  std::string model = "lstm";   // lstm | rnn-tanh | group-rnn | group-transformer | transformer | lru
  int layers = 1;
  int embed = 64;               // token embedding width (m for group-rnn)
  int hidden = 128;             // hidden width (H for lstm/rnn/lru/transformer)
  int heads = 4;                // attention heads
  int max_len = 0;              // positional table size; 0 = the run's seq_len
  // Group models (issue 3)
  std::string group = "o";      // o | so | u | su | torus | blockdiag:b | sp
  int d = 8;
  bool mixing = false;
  bool learn_h0 = false;
  bool reflect = false;         // O(d): start in the det -1 component
  double reorth_threshold = 1e-4;  // re-orthogonalise the state once ||h^H h - I||_F exceeds this
  double xi_init = 0.5;         // group-rnn: ‖ξ_t‖_F at initialisation (the scale of W and U; issue 14)
  // group-rnn: > 0 bounds the generator smoothly, exp(σ_c(ξ̂_t)) with ‖σ_c(ξ̂)‖_F < c = xi_bound
  // (core/groups/xi_bound.h; udlab's option, not the U(d) paper's); 0 = off.
  double xi_bound = 0;
  // Readout of the recurrent models (lm_head.h): auto (per position for language modelling, mean
  // pooling for datasets that label whole sequences) | token | mean | last | token-xi (group-rnn only:
  // per position from [vec h_{t+1}, vec ξ_t], udlab's variant, issue 14).
  std::string readout = "auto";
  // group-rnn: learning-rate multiplier of the embedding and the head (udlab's choice, issue 14). They sit
  // outside exp, so they tolerate a step size that would throw ξ past π if W, U and B took it
  // (docs/results-defaults.md).
  double io_lr_factor = 10.0;
  // group-rnn recomputation (issue 15): keep only every K-th state and recompute each chunk of K
  // steps in the backward pass (0 = keep every activation). K is a multiple of 16 (group_rnn.h kGradBlock).
  int recompute_chunk = 0;
  // LRU (issue 4)
  int state = 256;              // N complex channels
  double r_min = 0.9;
  double r_max = 0.999;
  double max_phase = 6.283185307179586;
  bool lru_gamma = true;
  std::string lru_init = "ring";  // ring | glorot
  // glorot init: scale the Glorot matrix down to this spectral radius when it is larger (0 = raw Glorot,
  // whose finite-N spectral radius can exceed 1; lru_init.h). Applies to the dense and diagonal rungs alike.
  double glorot_radius = 0;
  double lru_lr_factor = 0.5;
  double dropout = 0.0;
  // The LRU paper's ablation ladder (issue 14; each rung changes one of these four from the one above):
  //   recurrence tanh + lru_param dense   (a dense N×N tanh RNN inside the LRU's deep block)
  //   recurrence linear + lru_param dense (the dense linear RNN)
  //   lru_param real-im                    (complex diagonal λ = a + ib, trained directly)
  //   lru_param exp                        (λ = exp(−ν + iθ), ν and θ trained directly)
  //   lru_param stable-exp                 (ν = exp(ν_log), θ = exp(θ_log): |λ| < 1 always; the LRU's)
  //   lru_init ring, lru_gamma on           (the last two rungs)
  std::string recurrence = "linear";    // tanh | linear (tanh only with lru_param dense)
  std::string lru_param = "stable-exp"; // dense | real-im | exp | stable-exp
  // orth-rnn (issue 14): h_t = σ(W h_{t−1} + V x_t + b), W = exp(Π_G(A)) on the group `group` at size d.
  std::string orth_act = "modrelu";   // modrelu | tanh
  std::string orth_init = "henaff";   // henaff | cayley | identity (the generator A at initialisation)
  double orth_lr_factor = 1.0;        // learning-rate multiplier of A (expRNN trains A at its own lr)
};

}  // namespace udlab
