#include "ui/datasets/file_check.h"

#include <QCryptographicHash>
#include <QFile>

#include "core/data/data_dirs.h"
#include "core/util/error.h"

namespace udlab {

std::string sha256_file(const std::string& path) {
  QFile f(QString::fromStdString(path));
  if (!f.open(QIODevice::ReadOnly)) throw Error("cannot read " + path + ": " + f.errorString().toStdString());
  QCryptographicHash h(QCryptographicHash::Sha256);
  if (!h.addData(&f)) throw Error("cannot read " + path + ": " + f.errorString().toStdString());
  return h.result().toHex().toStdString();
}

std::string check_data_file(const DataFile& file, const std::string& path) {
  if (file.sha256.empty()) return check_ptb_train(path);
  std::string got = sha256_file(path);
  if (got == file.sha256) return "";
  return "SHA-256 is " + got + ", expected " + file.sha256;
}

std::vector<DataFileStatus> dataset_file_status(const DatasetInfo& ds, const std::vector<std::string>& dirs,
                                                bool verify) {
  std::vector<DataFileStatus> out;
  for (const auto& f : ds.files) {
    DataFileStatus st;
    st.file = &f;
    if (auto p = locate_data_file(f.path, dirs)) st.path = p->path, st.bundled = p->bundled;
    if (verify && !st.path.empty()) {
      st.checked = true;
      try {
        st.problem = check_data_file(f, st.path);
      } catch (const Error& e) {
        st.problem = e.what();
      }
    }
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace udlab
