#pragma once
#include <complex>
#include <map>
#include <string>
#include <vector>

namespace udlab {

// Diagnostics a model fills for the last batch when asked (host-side, double). Generic on purpose: the
// CLI writes every entry to metrics.jsonl and the GUI plots whatever is present, with no per-model code.
struct Telemetry {
  // Per time position t = 0..T-1 (averaged over the batch unless the name says otherwise). Conventional
  // names: "state_norm", "state_norm_min", "state_norm_max", "state_grad_norm", "membership_error".
  std::map<std::string, std::vector<double>> profiles;
  // Complex spectra: "lambda.layer0", "h_t", "exp_xi", "W_hh.layer0", ...
  std::map<std::string, std::vector<std::complex<double>>> eigenvalues;
  // Scalars: "r_min", "r_max", ...
  std::map<std::string, double> scalars;
};

}  // namespace udlab
