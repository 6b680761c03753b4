// The default, durable Storage: SQLite (better-sqlite3) in WAL mode with full sync, so every
// write acknowledged to a client has been committed to disk and survives kill -9 of the server.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { IndexedStore, type IndexedStoreOptions, type Persistence, type PersistOp } from './indexed-store.ts';

interface Row {
  key: string;
  value: string;
  revision: number;
}

export function sqlitePersistence(file: string): Persistence {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, value TEXT NOT NULL, revision INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0);
  `);
  const putStmt = db.prepare('INSERT INTO objects (key, value, revision) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, revision = excluded.revision');
  const delStmt = db.prepare('DELETE FROM objects WHERE key = ?');
  const revStmt = db.prepare("UPDATE meta SET value = ? WHERE name = 'revision'");
  const commit = db.transaction((op: PersistOp) => {
    if (op.op === 'put') putStmt.run(op.key, op.value, op.revision);
    else delStmt.run(op.key);
    revStmt.run(op.revision);
  });
  return {
    load: () => {
      const rev = db.prepare("SELECT value FROM meta WHERE name = 'revision'").get() as { value: number } | undefined;
      const entries = db.prepare('SELECT key, value, revision FROM objects').all() as Row[];
      return { revision: rev?.value ?? 0, entries };
    },
    commit: (op) => { commit(op); },
    close: () => { db.close(); },
  };
}

export function createSqliteStorage(file: string, options: IndexedStoreOptions = {}): IndexedStore {
  return new IndexedStore(sqlitePersistence(file), options);
}
