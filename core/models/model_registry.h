// Models register themselves by name (UDLAB_REGISTER_MODEL in their .cpp). The CLI, the GUI and the
// comparison presets only ever look models up here, so a new model needs no code elsewhere.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/models/model.h"

namespace udlab {

struct ModelInfo {
  std::string name;          // CLI name, e.g. "lstm"
  std::string description;   // one sentence for tooltips and --help
  std::string match_field;   // ModelConfig field that `params --match` varies: "hidden" or "d"
  std::function<std::unique_ptr<Model<float>>(const ModelConfig&, int vocab, Backend<float>&)> make_float;
  std::function<std::unique_ptr<Model<double>>(const ModelConfig&, int vocab, Backend<double>&)> make_double;
};

class ModelRegistry {
 public:
  static ModelRegistry& instance();
  void add(ModelInfo info);
  // Throws udlab::Error listing the known models when the name is unknown.
  const ModelInfo& get(const std::string& name) const;
  const ModelInfo* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<ModelInfo> infos_;
};

template <template <class> class M>
struct ModelRegistrar {
  ModelRegistrar(const char* name, const char* description, const char* match_field) {
    ModelRegistry::instance().add(ModelInfo{
        name, description, match_field,
        [](const ModelConfig& c, int v, Backend<float>& b) -> std::unique_ptr<Model<float>> { return std::make_unique<M<float>>(c, v, b); },
        [](const ModelConfig& c, int v, Backend<double>& b) -> std::unique_ptr<Model<double>> { return std::make_unique<M<double>>(c, v, b); }});
  }
};

#define UDLAB_CONCAT_INNER(a, b) a##b
#define UDLAB_CONCAT(a, b) UDLAB_CONCAT_INNER(a, b)
// Usage (in the model's .cpp, at namespace scope): UDLAB_REGISTER_MODEL(LstmModel, "lstm", "…", "hidden");
#define UDLAB_REGISTER_MODEL(Class, name, description, match_field) \
  static ::udlab::ModelRegistrar<Class> UDLAB_CONCAT(udlab_model_registrar_, __LINE__)(name, description, match_field)

}  // namespace udlab
