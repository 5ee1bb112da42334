#include "ui/settings/app_settings.h"

#include <QDir>
#include <QStandardPaths>

namespace udlab::ui {

AppSettings::AppSettings(const QString& path)
    : s_(path.isEmpty() ? std::make_unique<QSettings>() : std::make_unique<QSettings>(path, QSettings::IniFormat)) {}

QByteArray AppSettings::geometry() const { return s_->value("window/geometry").toByteArray(); }
void AppSettings::setGeometry(const QByteArray& g) { s_->setValue("window/geometry", g); }
QByteArray AppSettings::windowState() const { return s_->value("window/state").toByteArray(); }
void AppSettings::setWindowState(const QByteArray& st) { s_->setValue("window/state", st); }
QString AppSettings::lastConfig() const { return s_->value("experiment/config").toString(); }
void AppSettings::setLastConfig(const QString& json) { s_->setValue("experiment/config", json); }
QStringList AppSettings::recentRuns() const { return s_->value("runs/recent").toStringList(); }
void AppSettings::addRecentRun(const QString& dir) {
  QStringList l = recentRuns();
  l.removeAll(dir);
  l.prepend(dir);
  while (l.size() > 10) l.removeLast();
  s_->setValue("runs/recent", l);
}
bool AppSettings::teachingStyle() const { return s_->value("charts/teaching", false).toBool(); }
void AppSettings::setTeachingStyle(bool on) { s_->setValue("charts/teaching", on); }
QString AppSettings::theme() const { return s_->value("view/theme", "system").toString(); }
void AppSettings::setTheme(const QString& key) { s_->setValue("view/theme", key); }
QString AppSettings::runsRoot() const {
  QString d = s_->value("runs/root").toString();
  if (d.isEmpty()) d = QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath("runs");
  return d;
}
void AppSettings::setRunsRoot(const QString& dir) { s_->setValue("runs/root", dir); }
void AppSettings::sync() { s_->sync(); }

}  // namespace udlab::ui
