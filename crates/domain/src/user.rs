//! Accounts: usernames, passwords (as policy; hashing happens in the app layer) and users.

use crate::error::ParseError;
use crate::node::NodeCode;
use crate::role::Role;
use serde::Serialize;
use std::fmt;

/// A login name: 3–32 characters of lowercase ASCII letters, digits, `_`, `.` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c);
        if !(3..=32).contains(&s.len()) || !s.chars().all(ok_char) {
            return Err(ParseError::new(
                "username",
                "user.username_invalid",
                "用户名应为 3–32 位小写字母、数字或 _ . -",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the policy. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;

    pub fn parse(raw: &str, username: &Username) -> Result<Self, ParseError> {
        let n = raw.chars().count();
        if !(Self::MIN_CHARS..=128).contains(&n) {
            return Err(ParseError::new(
                "password",
                "user.password_weak",
                format!("密码长度应为 {}–128 个字符", Self::MIN_CHARS),
            ));
        }
        if raw.to_lowercase().contains(username.as_str()) {
            return Err(ParseError::new(
                "password",
                "user.password_weak",
                "密码不能包含用户名",
            ));
        }
        let classes = [
            raw.chars().any(|c| c.is_ascii_lowercase()),
            raw.chars().any(|c| c.is_ascii_uppercase()),
            raw.chars().any(|c| c.is_ascii_digit()),
            raw.chars().any(|c| !c.is_ascii_alphanumeric()),
        ];
        if classes.iter().filter(|c| **c).count() < 2 {
            return Err(ParseError::new(
                "password",
                "user.password_weak",
                "密码至少应包含小写字母、大写字母、数字、符号中的两类",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A user account as the rest of the system sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub node: NodeCode,
    pub disabled: bool,
    pub created_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_with_the_field_named() {
        let u = Username::parse("clerk01").unwrap();
        for weak in [
            "short1A",
            "aaaaaaaaaaaa",
            "clerk01-Strong",
            "ＡＡＡＡＡＡＡＡＡＡ",
        ] {
            let err = Password::parse(weak, &u).unwrap_err();
            assert_eq!(
                (err.field, err.code),
                ("password", "user.password_weak"),
                "{weak}"
            );
        }
        assert!(Password::parse("Acc-pass-12345", &u).is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("Acc-pass-12345", &u).unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn usernames_are_lowercase_ascii() {
        assert!(Username::parse("acc_t1").is_ok());
        for bad in ["ab", "Admin", "张三", "a b c", &"x".repeat(33)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }
}
