//! Untrusted SQL: only reads.
//!
//! The query API accepts `SELECT`, `WITH … SELECT`, `VALUES` and `EXPLAIN`
//! of those, one statement at a time. Everything else — DDL (`CREATE
//! EXTERNAL TABLE` reads arbitrary files), DML, `COPY … TO` (writes files),
//! `SET`, transactions — is refused before planning, and planning runs with
//! DataFusion's own guards (no DDL, no DML, no statements) as a second line.

use datafusion::{
    execution::context::SQLOptions,
    sql::{
        parser::{DFParser, Statement},
        sqlparser::ast,
    },
};

/// Why a statement was refused, in words for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The planning guards for untrusted SQL.
pub fn options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Accept only a single read-only query.
pub fn check(sql: &str) -> Result<(), Refused> {
    let statements =
        DFParser::parse_sql(sql).map_err(|e| Refused(format!("SQL syntax error: {e}")))?;
    if statements.len() != 1 {
        return Err(Refused(format!(
            "exactly one statement is allowed, found {}",
            statements.len()
        )));
    }
    match &statements[0] {
        Statement::Statement(s) => read_only(s),
        Statement::Explain(e) => match e.statement.as_ref() {
            Statement::Statement(s) => read_only(s),
            _ => Err(Refused("only EXPLAIN of a query is allowed".into())),
        },
        Statement::CreateExternalTable(_) => Err(Refused(
            "CREATE EXTERNAL TABLE is not allowed: queries cannot read files".into(),
        )),
        Statement::CopyTo(_) => Err(Refused(
            "COPY is not allowed: queries cannot write files".into(),
        )),
        _ => Err(Refused("only SELECT, WITH and EXPLAIN are allowed".into())),
    }
}

fn read_only(s: &ast::Statement) -> Result<(), Refused> {
    match s {
        ast::Statement::Query(_) => Ok(()),
        ast::Statement::Explain { statement, .. } => read_only(statement),
        other => {
            let text = other.to_string();
            let verb = text
                .split_whitespace()
                .next()
                .unwrap_or("this statement")
                .to_uppercase();
            Err(Refused(format!(
                "{verb} is not allowed: only SELECT, WITH and EXPLAIN are"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pass_everything_else_is_refused() {
        assert!(check("SELECT 1").is_ok());
        assert!(check("WITH x AS (SELECT 1) SELECT * FROM x").is_ok());
        assert!(check("EXPLAIN SELECT * FROM cloudtrail").is_ok());
        for bad in [
            "CREATE TABLE t (a INT)",
            "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'",
            "COPY (SELECT 1) TO '/tmp/x.csv'",
            "INSERT INTO cloudtrail VALUES (1)",
            "DROP TABLE cloudtrail",
            "SET keyledger.policy_days = 1",
            "SELECT 1; SELECT 2",
            "CREATE VIEW v AS SELECT 1",
            "DELETE FROM cloudtrail",
        ] {
            assert!(check(bad).is_err(), "{bad} was allowed");
        }
    }
}
