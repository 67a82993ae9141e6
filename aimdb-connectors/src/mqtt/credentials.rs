//! Broker credentials at start-up, from the environment: never from a topology file.
//!
//! A secured broker (`scripts/broker.sh`, `aimdb acl`) knows every node as a user named
//! after it. A node's binary passes its name and gets the login from two variables:
//!
//! | variable | meaning |
//! | --- | --- |
//! | `AIMDB_MQTT_USERNAME` | the user name; the node's name when unset |
//! | `AIMDB_MQTT_PASSWORD` | the password; without it (and without a user name) the node connects anonymously, as before |
//!
//! ```no_run
//! use aimdb_connectors::mqtt::MqttConfig;
//!
//! let config = MqttConfig::new("127.0.0.1", 1883, "dashboard").with_credentials_from_env("dashboard");
//! ```

use std::string::String;

use super::MqttConfig;

/// The variable holding the user name (default: the node's name).
pub const USERNAME_VAR: &str = "AIMDB_MQTT_USERNAME";

/// The variable holding the password.
pub const PASSWORD_VAR: &str = "AIMDB_MQTT_PASSWORD";

/// The login for `node` from `var` (a variable lookup, `std::env::var(..).ok()` in
/// [`credentials_from_env`]): `(user, password)`, the user being `AIMDB_MQTT_USERNAME` or
/// else `node`. `None` (anonymous) when neither `AIMDB_MQTT_PASSWORD` nor
/// `AIMDB_MQTT_USERNAME` is set to something non-empty; a user name alone gives an empty
/// password, which is not sent.
pub fn credentials_from(
    node: &str,
    var: impl Fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    let set = |name: &str| var(name).filter(|value| !value.is_empty());
    let password = set(PASSWORD_VAR);
    let username = set(USERNAME_VAR);
    if password.is_none() && username.is_none() {
        return None;
    }
    Some((
        username.unwrap_or_else(|| node.into()),
        password.unwrap_or_default(),
    ))
}

/// [`credentials_from`] the process environment.
pub fn credentials_from_env(node: &str) -> Option<(String, String)> {
    credentials_from(node, |name| std::env::var(name).ok())
}

impl MqttConfig {
    /// This configuration with [`credentials`](MqttConfig::credentials) from the
    /// environment for node `node` (see [`credentials_from`]); unchanged when the
    /// environment gives none.
    #[must_use]
    pub fn with_credentials_from_env(mut self, node: &str) -> Self {
        if let Some(login) = credentials_from_env(node) {
            self.credentials = Some(login);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(set: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            set.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).into())
        }
    }

    #[test]
    fn the_node_name_is_the_default_user() {
        let login = credentials_from("sensor", vars(&[(PASSWORD_VAR, "pw")]));
        assert_eq!(login, Some(("sensor".into(), "pw".into())));
        let login = credentials_from(
            "sensor",
            vars(&[(PASSWORD_VAR, "pw"), (USERNAME_VAR, "probe")]),
        );
        assert_eq!(login, Some(("probe".into(), "pw".into())));
    }

    #[test]
    fn nothing_set_is_anonymous() {
        assert_eq!(credentials_from("sensor", vars(&[])), None);
        assert_eq!(
            credentials_from("sensor", vars(&[(PASSWORD_VAR, ""), (USERNAME_VAR, "")])),
            None
        );
        let login = credentials_from("sensor", vars(&[(USERNAME_VAR, "probe")]));
        assert_eq!(login, Some(("probe".into(), String::new())));
    }

    #[test]
    fn an_empty_environment_leaves_the_config_alone() {
        let mut config = MqttConfig::new("127.0.0.1", 1883, "node");
        config.credentials = Some(("kept".into(), "x".into()));
        // The test process has no AIMDB_MQTT_* variables (scripts never export them to
        // cargo); if it had, this is still what the helper must do with them.
        let expected = credentials_from_env("node").or(config.credentials.clone());
        assert_eq!(
            config.with_credentials_from_env("node").credentials,
            expected
        );
    }
}
