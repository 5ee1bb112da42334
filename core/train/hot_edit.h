// The hyperparameters a run accepts while it trains (applied by the Trainer between steps): the ones
// that only scale or bound the update, so changing them mid-run leaves every tensor's meaning intact.
// Sizes, schedules and the data stream are not among them: changing those would make the run a
// different experiment, not the same one steered.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/train/run_config.h"

namespace udlab {

// lr, clip, weight_decay, min_lr_frac.
const std::vector<std::string>& hot_edit_keys();

// Throws udlab::Error with a one-line message naming the key for anything but an object of editable
// keys with finite numbers in range (lr > 0, clip >= 0, weight_decay >= 0, 0 <= min_lr_frac <= 1).
void validate_hot_edit(const nlohmann::json& changes);

// Validates, then applies to `t`. Returns {key: {"from": old, "to": new}} for the keys whose value
// actually changed (empty when nothing did).
nlohmann::json apply_hot_edit(TrainConfig& t, const nlohmann::json& changes);

// "lr 0.003 -> 0.001, clip 0 -> 1" for the object apply_hot_edit returned.
std::string describe_hot_edit(const nlohmann::json& applied);

}  // namespace udlab
