#include "core/models/model_registry.h"

#include <algorithm>

namespace udlab {

ModelRegistry& ModelRegistry::instance() {
  static ModelRegistry r;
  return r;
}

void ModelRegistry::add(ModelInfo info) {
  auto it = std::find_if(infos_.begin(), infos_.end(), [&](const ModelInfo& m) { return m.name == info.name; });
  if (it != infos_.end()) *it = std::move(info);
  else infos_.push_back(std::move(info));
}

const ModelInfo* ModelRegistry::find(const std::string& name) const {
  for (auto& m : infos_)
    if (m.name == name) return &m;
  return nullptr;
}

const ModelInfo& ModelRegistry::get(const std::string& name) const {
  if (auto* m = find(name)) return *m;
  std::string known;
  for (auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown model '" + name + "' (known: " + known + ")");
}

std::vector<std::string> ModelRegistry::names() const {
  std::vector<std::string> n;
  for (auto& m : infos_) n.push_back(m.name);
  std::sort(n.begin(), n.end());
  return n;
}

}  // namespace udlab
