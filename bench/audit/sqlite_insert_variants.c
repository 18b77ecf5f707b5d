// What SQLite itself costs the SQLite audit store, variant by variant, without glassbox:
// reads the rows of a database that `glassbox explain --audit sqlite:SRC` wrote (10,000
// records of bench/audit/databases.sh's batch), then inserts them into a new database DST as
// SQLiteRowInserter does (32-row INSERT OR FAIL statements; about 440 records per write, 1,000
// per transaction; WAL, synchronous=FULL) and prints the CPU time of the inserts, commits and
// close. Options change one thing at a time (results: bench/audit/README.md):
//   fk=0|1 (PRAGMA foreign_keys)  static=0|1 (SQLITE_STATIC binds, no copy)  per=N (rows per
//   statement)  cache=KiB (negative, PRAGMA cache_size)  page=BYTES  schema=v2|noidx|lines
//   txn=N write=N (records per transaction, per write)  sync=N  nomutex=1  memstat=0
//
//   cc -O2 -o /tmp/sqlite_insert_variants bench/audit/sqlite_insert_variants.c -lsqlite3
//   /tmp/sqlite_insert_variants SRC.db /tmp/x.db fk=0 static=1 cache=-16384
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct { int ncol; int nrow; sqlite3_value **v; int *seqrow; } Tab; // v[row*ncol+col]
static Tab tabs[4];
static const char *names[4] = {"audit_lines", "records", "attributions", "reason_codes"};
static const char *cols[4] = {"seq, line",
 "seq, record_id, time, writer, model_path, model_sha256, model_format, data_source, data_sha256, row_index, id, output, prediction_space, prediction, method, parameters, base_value, prev_hash, hash",
 "seq, position, feature, value, label, attribution, std_error", "seq, rank, feature, phi"};
static const char *order[4] = {"seq", "seq", "seq, position", "seq, rank"};

static void die(sqlite3 *db, const char *w) { fprintf(stderr, "%s: %s\n", w, db ? sqlite3_errmsg(db) : "?"); exit(1); }
__attribute__((noinline)) static void exec(sqlite3 *db, const char *sql) { char *e = 0; if (sqlite3_exec(db, sql, 0, 0, &e) != SQLITE_OK) { fprintf(stderr, "%s: %s\n", sql, e); exit(1); } }

static void load(const char *path) {
  sqlite3 *db; if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, 0)) die(db, "open");
  for (int t = 0; t < 4; t++) {
    char sql[1024]; snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", cols[t], names[t], order[t]);
    sqlite3_stmt *s; if (sqlite3_prepare_v2(db, sql, -1, &s, 0)) die(db, "prep");
    Tab *T = &tabs[t]; T->ncol = sqlite3_column_count(s); int cap = 1024; T->v = malloc(sizeof(void*) * cap * T->ncol); T->nrow = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
      if (T->nrow == cap) { cap *= 2; T->v = realloc(T->v, sizeof(void*) * cap * T->ncol); }
      for (int c = 0; c < T->ncol; c++) T->v[T->nrow * T->ncol + c] = sqlite3_value_dup(sqlite3_column_value(s, c));
      T->nrow++;
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
}

// options
static int opt_fk = 1, opt_static = 0, opt_per = 32, opt_cache = -2000, opt_page = 16384, opt_recsPerTxn = 1000, opt_recsPerWrite = 440;
static const char *opt_schema = "v2";
static int opt_sync = 2; // FULL
static int opt_nomutex = 0, opt_memstat = 1;

static const char *schema_v2[] = {
 "CREATE TABLE audit_lines (seq INTEGER PRIMARY KEY, line BLOB NOT NULL)",
 "CREATE TABLE records (seq INTEGER PRIMARY KEY REFERENCES audit_lines (seq), record_id TEXT, time TEXT, writer TEXT, model_path TEXT, model_sha256 TEXT, model_format TEXT, data_source TEXT, data_sha256 TEXT, row_index INTEGER, id TEXT, output INTEGER, prediction_space TEXT, prediction REAL, method TEXT, parameters TEXT, base_value REAL, prev_hash TEXT, hash TEXT)",
 "CREATE INDEX records_by_id ON records (id)",
 "CREATE INDEX records_by_record_id ON records (record_id)",
 "CREATE INDEX records_by_time ON records (time)",
 "CREATE INDEX records_by_model ON records (model_sha256, time)",
 "CREATE TABLE attributions (seq INTEGER NOT NULL REFERENCES records (seq), position INTEGER NOT NULL, feature TEXT NOT NULL, value REAL, label TEXT, attribution REAL, std_error REAL, PRIMARY KEY (seq, position)) WITHOUT ROWID",
 "CREATE TABLE reason_codes (seq INTEGER NOT NULL REFERENCES records (seq), rank INTEGER NOT NULL, feature TEXT, phi REAL, PRIMARY KEY (seq, rank)) WITHOUT ROWID",
 0};
static const char *schema_noidx[] = {
 "CREATE TABLE audit_lines (seq INTEGER PRIMARY KEY, line BLOB NOT NULL)",
 "CREATE TABLE records (seq INTEGER PRIMARY KEY REFERENCES audit_lines (seq), record_id TEXT, time TEXT, writer TEXT, model_path TEXT, model_sha256 TEXT, model_format TEXT, data_source TEXT, data_sha256 TEXT, row_index INTEGER, id TEXT, output INTEGER, prediction_space TEXT, prediction REAL, method TEXT, parameters TEXT, base_value REAL, prev_hash TEXT, hash TEXT)",
 "CREATE TABLE attributions (seq INTEGER NOT NULL REFERENCES records (seq), position INTEGER NOT NULL, feature TEXT NOT NULL, value REAL, label TEXT, attribution REAL, std_error REAL, PRIMARY KEY (seq, position)) WITHOUT ROWID",
 "CREATE TABLE reason_codes (seq INTEGER NOT NULL REFERENCES records (seq), rank INTEGER NOT NULL, feature TEXT, phi REAL, PRIMARY KEY (seq, rank)) WITHOUT ROWID",
 0};
static const char *schema_linesonly[] = {
 "CREATE TABLE audit_lines (seq INTEGER PRIMARY KEY, line BLOB NOT NULL)", 0};

static sqlite3_stmt *stmts[4][129];
static sqlite3_stmt *prep(sqlite3 *db, int t, int n) {
  if (stmts[t][n]) return stmts[t][n];
  int nc = tabs[t].ncol; size_t cap = 64 + strlen(cols[t]) + (size_t)n * nc * 4 + 256; char *sql = malloc(cap);
  int p = snprintf(sql, cap, "INSERT OR FAIL INTO %s (%s) VALUES ", names[t], cols[t]);
  for (int r = 0; r < n; r++) { p += snprintf(sql + p, cap - p, r ? ",(" : "("); for (int c = 0; c < nc; c++) p += snprintf(sql + p, cap - p, c ? ",?" : "?"); p += snprintf(sql + p, cap - p, ")"); }
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmts[t][n], 0)) die(db, sql);
  free(sql); return stmts[t][n];
}
static void bindv(sqlite3_stmt *s, int k, sqlite3_value *v) {
  if (!opt_static) { sqlite3_bind_value(s, k, v); return; }
  switch (sqlite3_value_type(v)) {
    case SQLITE_TEXT: sqlite3_bind_text(s, k, (const char*)sqlite3_value_text(v), sqlite3_value_bytes(v), SQLITE_STATIC); break;
    case SQLITE_BLOB: sqlite3_bind_blob(s, k, sqlite3_value_blob(v), sqlite3_value_bytes(v), SQLITE_STATIC); break;
    default: sqlite3_bind_value(s, k, v);
  }
}
// insert rows [a,b) of table t
__attribute__((noinline)) static void ins(sqlite3 *db, int t, int a, int b) {
  Tab *T = &tabs[t];
  while (a < b) {
    int n = b - a < opt_per ? b - a : opt_per;
    sqlite3_stmt *s = prep(db, t, n); int k = 1;
    for (int r = a; r < a + n; r++) for (int c = 0; c < T->ncol; c++) bindv(s, k++, T->v[r * T->ncol + c]);
    int rc = sqlite3_step(s); sqlite3_reset(s); if (rc != SQLITE_DONE) die(db, "step");
    a += n;
  }
}
static int rowEnd(int t, int seqLimit, int from) { // first row index >= from whose seq > seqLimit
  Tab *T = &tabs[t]; int r = from; while (r < T->nrow && sqlite3_value_int64(T->v[r * T->ncol]) <= seqLimit) r++; return r;
}
static double cpu(void) { struct rusage u; getrusage(RUSAGE_SELF, &u); return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6; }

int main(int argc, char **argv) {
  const char *src = argv[1], *dst = argv[2];
  for (int i = 3; i < argc; i++) {
    if (!strncmp(argv[i], "fk=", 3)) opt_fk = atoi(argv[i] + 3);
    else if (!strncmp(argv[i], "static=", 7)) opt_static = atoi(argv[i] + 7);
    else if (!strncmp(argv[i], "per=", 4)) opt_per = atoi(argv[i] + 4);
    else if (!strncmp(argv[i], "cache=", 6)) opt_cache = atoi(argv[i] + 6);
    else if (!strncmp(argv[i], "page=", 5)) opt_page = atoi(argv[i] + 5);
    else if (!strncmp(argv[i], "txn=", 4)) opt_recsPerTxn = atoi(argv[i] + 4);
    else if (!strncmp(argv[i], "write=", 6)) opt_recsPerWrite = atoi(argv[i] + 6);
    else if (!strncmp(argv[i], "schema=", 7)) opt_schema = argv[i] + 7;
    else if (!strncmp(argv[i], "sync=", 5)) opt_sync = atoi(argv[i] + 5);
    else if (!strncmp(argv[i], "nomutex=", 8)) opt_nomutex = atoi(argv[i] + 8);
    else if (!strncmp(argv[i], "memstat=", 8)) opt_memstat = atoi(argv[i] + 8);
  }
  if (!opt_memstat) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  load(src);
  char p2[1024]; unlink(dst); snprintf(p2, sizeof p2, "%s-wal", dst); unlink(p2); snprintf(p2, sizeof p2, "%s-shm", dst); unlink(p2);
  sqlite3 *db; if (sqlite3_open_v2(dst, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | (opt_nomutex ? SQLITE_OPEN_NOMUTEX : 0), 0)) die(db, "open");
  char sql[256];
  snprintf(sql, sizeof sql, "PRAGMA page_size = %d", opt_page); exec(db, sql);
  exec(db, "PRAGMA journal_mode = WAL");
  snprintf(sql, sizeof sql, "PRAGMA synchronous = %d", opt_sync); exec(db, sql);
  snprintf(sql, sizeof sql, "PRAGMA foreign_keys = %d", opt_fk); exec(db, sql);
  snprintf(sql, sizeof sql, "PRAGMA cache_size = %d", opt_cache); exec(db, sql);
  const char **schema = !strcmp(opt_schema, "noidx") ? schema_noidx : !strcmp(opt_schema, "lines") ? schema_linesonly : schema_v2;
  int ntab = schema == schema_linesonly ? 1 : 4;
  exec(db, "BEGIN IMMEDIATE"); for (int i = 0; schema[i]; i++) exec(db, schema[i]); exec(db, "COMMIT");
  double c1 = cpu();
  int nrec = tabs[0].nrow; int pos[4] = {0};
  for (int a = 0; a < nrec; a += opt_recsPerTxn) {
    int b = a + opt_recsPerTxn < nrec ? a + opt_recsPerTxn : nrec;
    exec(db, "BEGIN IMMEDIATE");
    sqlite3_stmt *q; sqlite3_prepare_v2(db, "SELECT seq, line FROM audit_lines ORDER BY seq DESC LIMIT 1", -1, &q, 0); sqlite3_step(q); sqlite3_finalize(q);
    for (int w = a; w < b; w += opt_recsPerWrite) {
      int we = w + opt_recsPerWrite < b ? w + opt_recsPerWrite : b;
      int lastSeq = (int)sqlite3_value_int64(tabs[0].v[(we - 1) * 2]);
      for (int t = 0; t < ntab; t++) { int e = rowEnd(t, lastSeq, pos[t]); ins(db, t, pos[t], e); pos[t] = e; }
    }
    exec(db, "COMMIT");
  }
  double c2 = cpu();
  for (int t = 0; t < 4; t++) for (int n = 0; n < 129; n++) if (stmts[t][n]) sqlite3_finalize(stmts[t][n]);
  sqlite3_close(db);
  double c3 = cpu();
  printf("insert+commit %.1f ms, close %.1f ms, total %.1f ms => %.1f us/record\n", (c2 - c1) * 1e3, (c3 - c2) * 1e3, (c3 - c1) * 1e3, (c3 - c1) * 1e6 / nrec);
  return 0;
}
