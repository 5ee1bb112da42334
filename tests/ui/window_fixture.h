// What the window-level tests share: a temporary directory whose settings file points the runs root
// into it (so tests never write into a user's runs), and a tiny real run on the synthetic copy task.
#pragma once
#include <QObject>
#include <QSettings>
#include <QTemporaryDir>
#include <string>

#include "core/train/run_config.h"

namespace udlab::test {

// Small enough to train hundreds of steps a second on one thread; telemetry often, so every chart moves.
inline RunConfig tinyCopyRun(const std::string& model, int steps) {
  RunConfig c;
  c.model.model = model;
  c.model.hidden = 24;
  c.model.embed = 16;
  c.model.state = 16;
  c.train.dataset = "copy";
  c.train.copy_k = 4;
  c.train.copy_delay = 6;
  c.train.batch = 8;
  c.train.steps = steps;
  c.train.log_every = 2;
  c.train.eval_every = 20;
  c.train.telemetry_every = 4;
  c.train.warmup = 5;
  c.train.threads = 1;
  c.train.lr = 3e-3;
  c.train.val_tokens = 2048;
  return c;
}

class WindowTest : public QObject {
 protected:
  QTemporaryDir tmp_;
  QString settingsPath() const { return tmp_.filePath("settings.ini"); }
  // For initTestCase: false when the temporary directory could not be made.
  bool prepareSettings() {
    if (!tmp_.isValid()) return false;
    QSettings s(settingsPath(), QSettings::IniFormat);
    s.setValue("runs/root", tmp_.filePath("runs"));
    return true;
  }
};

}  // namespace udlab::test
