/*
 * sqlite_users.c - SQLite backend of newsroom accounts and sessions.
 *
 * For: store_user_* and store_session_*. Not for: password hashing or
 * cookie tokens (newsroom/password.c, http/): the store only keeps the
 * hashes it is given.
 */
#include "store/internal.h"
#include "util/arena.h"

#include <string.h>
#include <time.h>

#define USER_COLUMNS                                                           \
	"id, login, display_name, email, password_hash, role, disabled, "      \
	"created_at"

static void user_row(struct arena *a, sqlite3_stmt *st, struct store_user *u)
{
	u->id = sqlite3_column_int64(st, 0);
	u->login = store_col_text(a, st, 1);
	u->display_name = store_col_text(a, st, 2);
	u->email = store_col_text(a, st, 3);
	u->password_hash = store_col_text(a, st, 4);
	u->role = (enum store_role)sqlite3_column_int(st, 5);
	u->disabled = sqlite3_column_int(st, 6);
	u->created_at = sqlite3_column_int64(st, 7);
}

static int login_valid(const char *login)
{
	size_t n = login ? strlen(login) : 0;
	if (n < 1 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = login[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

static int role_valid(enum store_role r)
{
	return r >= STORE_ROLE_CONTRIBUTOR && r <= STORE_ROLE_ADMIN;
}

int store_user_add(store *s, struct store_user *u, struct err *e)
{
	if (!login_valid(u->login))
		return err_set(e, ERR_INVALID,
			       "user: login: \"%s\" is not 1-64 characters of "
			       "a-z, 0-9, '.', '_', '-'",
			       u->login ? u->login : "");
	if (!role_valid(u->role))
		return err_set(e, ERR_INVALID, "user %s: role: %d is not valid",
			       u->login, (int)u->role);
	int64_t created = u->created_at ? u->created_at : (int64_t)time(NULL);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	int64_t id = 0;
	rc = store_stmt(c,
			"INSERT INTO users (login, display_name, email, "
			"password_hash, role, disabled, created_at) VALUES "
			"(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, u->login);
		store_bind_text(st, 2, u->display_name);
		store_bind_text(st, 3, u->email);
		store_bind_text(st, 4, u->password_hash);
		store_bind_int(st, 5, u->role);
		store_bind_int(st, 6, u->disabled ? 1 : 0);
		store_bind_int(st, 7, created);
		int src = sqlite3_step(st);
		if (src == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(c->db);
		else if (store_err_code(src) == ERR_CONFLICT)
			rc = err_set(e, ERR_CONFLICT, "user %s: login is taken",
				     u->login);
		else
			rc = store_db_err(c, src, e, "user %s", u->login);
		store_stmt_done(c, st);
	}
	rc = store_write_end(s, c, rc, e);
	if (rc == 0) {
		u->id = id;
		u->created_at = created;
	}
	return rc;
}

static int user_get_where(store *s, struct arena *a, const char *sql,
			  int64_t id, const char *login, struct store_user *out,
			  struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, sql, &st, e);
	if (rc == 0) {
		if (login)
			store_bind_text(st, 1, login);
		else
			store_bind_int(st, 1, id);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			user_row(a, st, out);
		else if (src == SQLITE_DONE && login)
			rc = err_set(e, ERR_NOTFOUND, "user %s: no such user",
				     login);
		else if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND, "user %lld: no such row",
				     (long long)id);
		else
			rc = store_db_err(c, src, e, "user");
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

int store_user_get(store *s, struct arena *a, int64_t id,
		   struct store_user *out, struct err *e)
{
	return user_get_where(s, a,
			      "SELECT " USER_COLUMNS
			      " FROM users WHERE id = ?1",
			      id, NULL, out, e);
}

int store_user_by_login(store *s, struct arena *a, const char *login,
			struct store_user *out, struct err *e)
{
	return user_get_where(s, a,
			      "SELECT " USER_COLUMNS
			      " FROM users WHERE login = ?1",
			      0, login ? login : "", out, e);
}

int store_user_list(store *s, struct arena *a, struct store_user **out,
		    size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, "SELECT " USER_COLUMNS " FROM users ORDER BY login",
			&st, e);
	size_t cap = 0;
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap)
			*out = arena_grow(a, *out, *n, &cap, sizeof **out, 16);
		user_row(a, st, &(*out)[(*n)++]);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "users");
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

int store_user_update(store *s, const struct store_user *u, struct err *e)
{
	if (!role_valid(u->role))
		return err_set(e, ERR_INVALID,
			       "user %lld: role: %d is not valid",
			       (long long)u->id, (int)u->role);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"UPDATE users SET role = ?2, display_name = ?3, email "
			"= ?4, disabled = ?5, password_hash = CASE WHEN ?6 = "
			"'' THEN password_hash ELSE ?6 END WHERE id = ?1",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, u->id);
		store_bind_int(st, 2, u->role);
		store_bind_text(st, 3, u->display_name);
		store_bind_text(st, 4, u->email);
		store_bind_int(st, 5, u->disabled ? 1 : 0);
		store_bind_text(st, 6, u->password_hash);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "user %lld",
					  (long long)u->id);
		else if (sqlite3_changes(c->db) == 0)
			rc = err_set(e, ERR_NOTFOUND, "user %lld: no such row",
				     (long long)u->id);
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}

/* ---- sessions ------------------------------------------------------- */

int store_session_add(store *s, const struct store_session *ss, struct err *e)
{
	if (!ss->id_hash || !*ss->id_hash)
		return err_set(e, ERR_INVALID, "session: id_hash: empty");
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(
		c,
		"INSERT INTO sessions (id_hash, user_id, csrf, "
		"created_at, last_seen, expires_at) VALUES (?1, ?2, ?3, "
		"?4, ?5, ?6)",
		&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, ss->id_hash);
		store_bind_int(st, 2, ss->user_id);
		store_bind_text(st, 3, ss->csrf);
		store_bind_int(st, 4, ss->created_at);
		store_bind_int(st, 5, ss->last_seen);
		store_bind_int(st, 6, ss->expires_at);
		int src = sqlite3_step(st);
		if (store_err_code(src) == ERR_INVALID)
			rc = err_set(e, ERR_INVALID,
				     "session: user %lld: no such user",
				     (long long)ss->user_id);
		else if (store_err_code(src) == ERR_CONFLICT)
			rc = err_set(e, ERR_CONFLICT, "session: id exists");
		else if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "session");
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}

int store_session_get(store *s, struct arena *a, const char *id_hash,
		      struct store_session *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT id_hash, user_id, csrf, created_at, last_seen, "
			"expires_at FROM sessions WHERE id_hash = ?1",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, id_hash);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			out->id_hash = store_col_text(a, st, 0);
			out->user_id = sqlite3_column_int64(st, 1);
			out->csrf = store_col_text(a, st, 2);
			out->created_at = sqlite3_column_int64(st, 3);
			out->last_seen = sqlite3_column_int64(st, 4);
			out->expires_at = sqlite3_column_int64(st, 5);
		} else if (src == SQLITE_DONE) {
			rc = err_set(e, ERR_NOTFOUND,
				     "session: no such session");
		} else {
			rc = store_db_err(c, src, e, "session");
		}
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

/* Run one write statement: text ?1 (when id_hash), integers ?2, ?3 (when
 * the statement has them). must_exist: ERR_NOTFOUND when no row changed. */
static int session_write(store *s, const char *sql, const char *id_hash,
			 int64_t v, int64_t v2, int must_exist, struct err *e)
{
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, sql, &st, e);
	if (rc == 0) {
		if (id_hash)
			store_bind_text(st, 1, id_hash);
		if (sqlite3_bind_parameter_count(st) >= 2)
			store_bind_int(st, 2, v);
		if (sqlite3_bind_parameter_count(st) >= 3)
			store_bind_int(st, 3, v2);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "session");
		else if (must_exist && sqlite3_changes(c->db) == 0)
			rc = err_set(e, ERR_NOTFOUND,
				     "session: no such session");
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}

int store_session_touch(store *s, const char *id_hash, int64_t now,
			struct err *e)
{
	return session_write(s,
			     "UPDATE sessions SET last_seen = ?2 WHERE id_hash "
			     "= ?1",
			     id_hash ? id_hash : "", now, 0, 1, e);
}

int store_session_delete(store *s, const char *id_hash, struct err *e)
{
	return session_write(s, "DELETE FROM sessions WHERE id_hash = ?1",
			     id_hash ? id_hash : "", 0, 0, 0, e);
}

int store_session_expire(store *s, int64_t now, int64_t idle_seconds,
			 struct err *e)
{
	return session_write(s,
			     "DELETE FROM sessions WHERE expires_at <= ?2 OR "
			     "(?3 > 0 AND last_seen < ?2 - ?3)",
			     NULL, now, idle_seconds, 0, e);
}

int store_session_delete_user(store *s, int64_t user_id, const char *keep_hash,
			      size_t *n, struct err *e)
{
	if (n)
		*n = 0;
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS "
			"NULL OR id_hash <> ?2)",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, user_id);
		if (keep_hash)
			sqlite3_bind_text(st, 2, keep_hash, -1,
					  SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 2);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "sessions of user %lld",
					  (long long)user_id);
		else if (n)
			*n = (size_t)sqlite3_changes(c->db);
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}
