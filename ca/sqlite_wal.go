package ca

import (
	"context"
	"database/sql"
	"errors"
)

// sqliteFcntlPersistWAL is SQLITE_FCNTL_PERSIST_WAL.
const sqliteFcntlPersistWAL = 10

// persistWAL sets SQLITE_FCNTL_PERSIST_WAL on conn's database: when the
// connection closes, SQLite keeps the log file (whole: the store sets no
// journal_size_limit) instead of deleting it after its checkpoint (see
// durable.go). Both drivers have it, under their own names; the
// interfaces below name them without importing either.
func persistWAL(ctx context.Context, conn *sql.Conn) error {
	return conn.Raw(func(dc any) error {
		switch c := dc.(type) {
		case interface { // modernc.org/sqlite
			FileControlPersistWAL(dbName string, mode int) (int, error)
		}:
			_, err := c.FileControlPersistWAL("main", 1)
			return err
		case interface { // github.com/mattn/go-sqlite3
			SetFileControlInt(dbName string, op int, arg int) error
		}:
			return c.SetFileControlInt("main", sqliteFcntlPersistWAL, 1)
		}
		return errors.ErrUnsupported
	})
}
