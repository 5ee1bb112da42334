#include "ui/charts/chart_math.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <unordered_set>

namespace udlab::ui {

std::vector<double> debiasedEma(const std::vector<double>& y, double weight) {
  if (weight <= 0) return y;
  weight = std::min(weight, 0.999);
  std::vector<double> out(y.size());
  double last = 0;
  int n = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    double v = y[i];
    if (!std::isfinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    ++n;
    // Dividing by 1 - w^n removes the bias towards the zero the average starts from.
    out[i] = last / (1 - std::pow(weight, n));
  }
  return out;
}

XY sanitize(const std::vector<double>& x, const std::vector<double>& y, bool positiveOnly) {
  XY out;
  size_t n = std::min(x.size(), y.size());
  out.x.reserve(n);
  out.y.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    if (positiveOnly && !(y[i] > 0)) continue;
    out.x.push_back(x[i]);
    out.y.push_back(y[i]);
  }
  return out;
}

Pieces splitAtGaps(const std::vector<double>& x, const std::vector<double>& y, bool positiveOnly, size_t maxParts) {
  Pieces out;
  const size_t n = std::min(x.size(), y.size());
  bool open = false;   // the last kept point is in parts.back(), with no gap since
  bool inGap = false;  // the last point seen was not finite
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    if (!std::isfinite(y[i])) {
      if (!inGap) out.gaps.push_back(x[i]);
      inGap = true;
      open = false;
      continue;
    }
    inGap = false;
    if (positiveOnly && !(y[i] > 0)) continue;
    if (!open) out.parts.emplace_back();
    out.parts.back().x.push_back(x[i]);
    out.parts.back().y.push_back(y[i]);
    open = true;
  }
  if (out.parts.size() > std::max<size_t>(1, maxParts)) {
    // Keep the widest maxParts - 1 gaps as breaks; join the stretches across the others.
    std::vector<size_t> order(out.parts.size() - 1);
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto width = [&](size_t i) { return out.parts[i + 1].x.front() - out.parts[i].x.back(); };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return width(a) > width(b); });
    std::vector<bool> cut(order.size(), false);
    for (size_t k = 0; k + 1 < maxParts; ++k) cut[order[k]] = true;
    std::vector<XY> joined(1, std::move(out.parts[0]));
    for (size_t i = 1; i < out.parts.size(); ++i) {
      if (cut[i - 1]) joined.emplace_back();
      auto& j = joined.back();
      j.x.insert(j.x.end(), out.parts[i].x.begin(), out.parts[i].x.end());
      j.y.insert(j.y.end(), out.parts[i].y.begin(), out.parts[i].y.end());
    }
    out.parts = std::move(joined);
  }
  return out;
}

XY decimateMinMax(const XY& in, double xmin, double xmax, int columns) {
  size_t n = in.size();
  if (columns < 1 || n <= size_t(2 * columns) || !(xmax > xmin)) return in;
  XY out;
  out.x.reserve(2 * columns + 2);
  out.y.reserve(2 * columns + 2);
  const double scale = columns / (xmax - xmin);
  size_t i = 0;
  while (i < n) {
    long col = long(std::floor((in.x[i] - xmin) * scale));
    size_t imin = i, imax = i;
    size_t j = i + 1;
    for (; j < n && long(std::floor((in.x[j] - xmin) * scale)) == col; ++j) {
      if (in.y[j] < in.y[imin]) imin = j;
      if (in.y[j] > in.y[imax]) imax = j;
    }
    // Emit the bucket's first point, its extremes in order of occurrence, and its last point, so the
    // polyline stays continuous between buckets and never invents a slope across a bucket.
    size_t picks[4] = {i, std::min(imin, imax), std::max(imin, imax), j - 1};
    size_t prev = std::numeric_limits<size_t>::max();
    for (size_t p : picks) {
      if (p == prev) continue;
      out.x.push_back(in.x[p]);
      out.y.push_back(in.y[p]);
      prev = p;
    }
    i = j;
  }
  return out;
}

XY decimateLast(const XY& in, double xmin, double xmax, int columns) {
  const size_t n = in.size();
  if (columns < 1 || n <= size_t(columns) || !(xmax > xmin)) return in;
  XY out;
  out.x.reserve(columns + 2);
  out.y.reserve(columns + 2);
  const double scale = columns / (xmax - xmin);
  out.x.push_back(in.x[0]);
  out.y.push_back(in.y[0]);
  for (size_t i = 1; i < n; ++i) {
    const bool lastOfColumn = i + 1 == n || std::floor((in.x[i + 1] - xmin) * scale) != std::floor((in.x[i] - xmin) * scale);
    if (!lastOfColumn) continue;
    out.x.push_back(in.x[i]);
    out.y.push_back(in.y[i]);
  }
  return out;
}

std::vector<std::complex<double>> thinPoints(const std::vector<std::complex<double>>& z, int cells, size_t cap) {
  std::vector<std::complex<double>> finite;
  finite.reserve(z.size());
  double r = 0;
  for (auto p : z)
    if (std::isfinite(p.real()) && std::isfinite(p.imag())) {
      finite.push_back(p);
      r = std::max({r, std::abs(p.real()), std::abs(p.imag())});
    }
  if (finite.size() <= size_t(cells) || !(r > 0)) return finite;
  std::unordered_set<uint64_t> seen;
  std::vector<std::complex<double>> out;
  const double scale = cells / (2 * r);
  for (auto p : finite) {
    const auto cx = uint64_t(std::clamp((p.real() + r) * scale, 0.0, double(cells)));
    const auto cy = uint64_t(std::clamp((p.imag() + r) * scale, 0.0, double(cells)));
    if (seen.insert(cx * uint64_t(cells + 1) + cy).second) out.push_back(p);
  }
  if (out.size() <= cap) return out;
  std::vector<std::complex<double>> strided;
  strided.reserve(cap);
  for (size_t i = 0; i < cap; ++i) strided.push_back(out[i * out.size() / cap]);
  return strided;
}

Range niceRange(const std::vector<const std::vector<double>*>& ys, bool forLog, double pad) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (auto* v : ys)
    for (double y : *v) {
      if (!std::isfinite(y) || (forLog && !(y > 0))) continue;
      // Values beyond ±1e300 are drawn off the axis: its bounds (and their padding) must stay finite.
      y = std::clamp(y, -1e300, 1e300);
      lo = std::min(lo, y);
      hi = std::max(hi, y);
    }
  if (!(lo <= hi)) return forLog ? Range{1e-3, 1e1} : Range{0, 1};
  if (forLog) {
    // Decades within 10^±300, so that 10^b (and a caller's rounding to every k-th decade) stays finite.
    double a = std::clamp(std::floor(std::log10(lo)), -300.0, 299.0), b = std::clamp(std::ceil(std::log10(hi)), -300.0, 300.0);
    if (b <= a) b = a + 1;
    return {std::pow(10.0, a), std::pow(10.0, b)};
  }
  // A span under kFlatRelSpan of the magnitude (a group state's norm held to rounding error) is drawn
  // as the flat line it is: the axis is padded ±1% around the value instead of zooming into the noise.
  const double mag = std::max(std::abs(lo), std::abs(hi));
  if (hi - lo <= kFlatRelSpan * mag || mag == 0) {
    const double mid = 0.5 * (lo + hi), d = mag > 0 ? 0.01 * mag : 1.0;
    return {mid - d, mid + d};
  }
  double d = (hi - lo) * pad;
  return {lo - d, hi + d};
}

std::string tickFormat(double step, double lo, double hi) {
  const double mag = std::max(std::abs(lo), std::abs(hi));
  if (!(step > 0) || !std::isfinite(step) || !std::isfinite(mag)) return "%g";
  // Decimals enough to tell two ticks one step apart; scientific when fixed point would be too wide.
  const int decimals = std::max(0, int(std::ceil(-std::log10(step) - 1e-9)));
  if (mag < 1e6 && decimals <= 5) return "%." + std::to_string(decimals) + "f";
  const int digits = std::max(1, int(std::floor(std::log10(std::max(mag, step)))) - int(std::floor(std::log10(step))));
  return "%." + std::to_string(std::min(digits, 12)) + "e";
}

std::vector<std::string> tickLabels(double lo, double hi, double step, const std::string& fmt) {
  std::vector<std::string> out;
  if (!(step > 0) || !(hi >= lo) || (hi - lo) / step > 1000) return out;
  char buf[64];
  // Qt's dynamic ticks: multiples of the interval (anchor 0) inside the range.
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k += 1) {
    double v = k * step;
    if (std::abs(v) < 1e-12 * step) v = 0;  // no "-0.00"
    std::snprintf(buf, sizeof buf, fmt.c_str(), v);
    out.push_back(buf);
  }
  return out;
}

}  // namespace udlab::ui
