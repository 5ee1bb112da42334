// Persistent settings (window layout, last configuration, recent runs, style). The file path is
// injectable so tests never touch the user's settings.
#pragma once
#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <memory>

namespace udlab::ui {

class AppSettings {
 public:
  // path "" = the platform default (organisation/application names set in main).
  explicit AppSettings(const QString& path = QString());
  QByteArray geometry() const;
  void setGeometry(const QByteArray& g);
  QByteArray windowState() const;
  void setWindowState(const QByteArray& s);
  QString lastConfig() const;  // config JSON text
  void setLastConfig(const QString& json);
  QStringList recentRuns() const;
  void addRecentRun(const QString& dir);  // most recent first, at most 10
  bool teachingStyle() const;
  void setTeachingStyle(bool on);
  QString theme() const;  // "system" (default), "light" or "dark"; see theme_override.h
  void setTheme(const QString& key);
  QString runsRoot() const;  // where GUI runs write their directories
  void setRunsRoot(const QString& dir);
  void sync();

 private:
  std::unique_ptr<QSettings> s_;
};

}  // namespace udlab::ui
