//! Templated keys and link addresses (fleets): `{instance}` and `{index}` placeholders,
//! an address once per instance, a family's inbound address as one filter.

/// The placeholders a key or link URL may carry.
const PLACEHOLDERS: [&str; 2] = ["{instance}", "{index}"];

/// Whether `text` carries a placeholder; `Err` names an unknown `{..}`.
pub(crate) fn placeholders(text: &str) -> Result<bool, String> {
    let mut rest = text;
    let mut any = false;
    while let Some(open) = rest.find('{') {
        let after = &rest[open..];
        let close = after.find('}').map_or(after.len(), |c| c + 1);
        let written = &after[..close];
        if !PLACEHOLDERS.contains(&written) {
            return Err(written.to_owned());
        }
        any = true;
        rest = &after[close..];
    }
    Ok(any)
}

/// `text` for one instance: `{instance}` is its name, `{index}` its position.
pub fn substitute(text: &str, instance: &str, index: usize) -> String {
    text.replace("{instance}", instance)
        .replace("{index}", &index.to_string())
}

/// A family's inbound address as one MQTT filter: the placeholder's level becomes `+`. `None`
/// unless exactly one level is exactly a placeholder (and no other one has one).
pub fn family_filter(address: &str) -> Option<(String, usize)> {
    let (topic, options) = match address.split_once('?') {
        Some((topic, options)) => (topic, Some(options)),
        None => (address, None),
    };
    let levels: Vec<&str> = topic.split('/').collect();
    let at: Vec<usize> = (0..levels.len())
        .filter(|&i| PLACEHOLDERS.contains(&levels[i]))
        .collect();
    if at.len() != 1 || topic.matches('{').count() != 1 {
        return None;
    }
    let filter: Vec<&str> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| if i == at[0] { "+" } else { l })
        .collect();
    let filter = filter.join("/");
    Some((
        options.map_or(filter.clone(), |o| format!("{filter}?{o}")),
        at[0],
    ))
}
