/**
 * @iac-orchestrator/state-store-sqlite: the embedded `StateStore` on SQLite (one machine, one database file),
 * and the import of a file-store data directory into it.
 * @packageDocumentation
 */
export { SqliteStateStore } from './store.js';
export { DATABASE_FILE, type SqliteStateStoreOptions } from './options.js';
export { importFileStore, isFileStoreDir, type ImportFileStoreOptions, type ImportReport } from './import-file-store.js';
