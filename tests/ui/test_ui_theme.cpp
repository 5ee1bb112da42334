// The View menu's theme override: dark turns the application palette and every chart dark, survives a
// new window on the same settings file, and "follow system" gives back the palette the app started
// with. Saves a screenshot of the dark dashboard for a look at contrast.
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QPalette>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "window_fixture.h"
#include "synthetic_run.h"
#include "ui/charts/chart_export.h"
#include "ui/charts/chart_theme.h"
#include "ui/dashboard/dashboard.h"
#include "ui/dashboard/live_updater.h"
#include "ui/mainwindow.h"
#include "ui/panels/compare_view.h"

using namespace udlab::ui;

namespace {
QAction* menuAction(QWidget& w, const QString& text) {
  for (auto* a : w.findChildren<QAction*>())
    if (a->text() == text) return a;
  return nullptr;
}
bool paletteIsDark() { return QApplication::palette().color(QPalette::Window).lightness() < 128; }
}  // namespace

class TestUiTheme : public udlab::test::WindowTest {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(prepareSettings()); }

  void darkOverridePersistsAndSystemRestores() {
    const QColor systemWindow = QApplication::palette().color(QPalette::Window);
    const bool systemDark = paletteIsDark();
    {
      MainWindow w(settingsPath());
      w.resize(1400, 900);
      w.show();
      QVERIFY(QTest::qWaitForWindowExposed(&w));
      QCOMPARE(w.themeOverride(), ThemeOverride::System);
      QCOMPARE(w.dashboard()->chartStyle().dark, systemDark);
      QAction* dark = menuAction(w, "Theme: dark");
      QVERIFY(dark && dark->isCheckable());
      dark->trigger();
      QVERIFY(dark->isChecked());
      QVERIFY(!menuAction(w, "Theme: follow system")->isChecked());
      QVERIFY(paletteIsDark());
      // Widgets take the application palette from a posted event.
      QTRY_VERIFY(w.palette().color(QPalette::Window).lightness() < 128);
      QVERIFY(w.dashboard()->chartStyle().dark);
      QVERIFY(!w.dashboard()->chartStyle().teaching);

      // A finished synthetic run, so the screenshot has axes, curves and a legend to read.
      QDir(tmp_.path()).mkpath("synthetic");
      udlab::test::writeSyntheticRun(tmp_.filePath("synthetic").toStdString(), 400);
      QVERIFY(w.openRunDirectory(tmp_.filePath("synthetic")) > 0);
      w.updater()->forceRedraw();
      QTest::qWait(100);
      w.updater()->forceRedraw();
      const QString out = QDir::current().filePath("screenshots");
      QDir().mkpath(out);
      QVERIFY(w.grab().save(out + "/dashboard-dark.png"));
    }
    QCOMPARE(QSettings(settingsPath(), QSettings::IniFormat).value("view/theme").toString(), QString("dark"));
    {
      // Restored at startup, menu item ticked.
      MainWindow w(settingsPath());
      QCOMPARE(w.themeOverride(), ThemeOverride::Dark);
      QVERIFY(menuAction(w, "Theme: dark")->isChecked());
      QVERIFY(w.dashboard()->chartStyle().dark);
      QVERIFY(paletteIsDark());

      menuAction(w, "Theme: light")->trigger();
      QVERIFY(!paletteIsDark());
      QVERIFY(!w.dashboard()->chartStyle().dark);
      menuAction(w, "Theme: dark")->trigger();
      QVERIFY(w.dashboard()->chartStyle().dark);

      // From dark straight back to the system's look.
      menuAction(w, "Theme: follow system")->trigger();
      QCOMPARE(QApplication::palette().color(QPalette::Window), systemWindow);
      // Following the system reads the window's palette, which arrives by a posted event.
      QTRY_COMPARE(w.dashboard()->chartStyle().dark, systemDark);
      QCOMPARE(w.themeOverride(), ThemeOverride::System);
    }
    QCOMPARE(QSettings(settingsPath(), QSettings::IniFormat).value("view/theme").toString(), QString("system"));
  }
};

QTEST_MAIN(TestUiTheme)
#include "test_ui_theme.moc"
