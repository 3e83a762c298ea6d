//! NUBES amounts: the chain counts in the smallest unit, people in NUBES with 12 decimals.

use crate::ClientError;

/// Decimals of the NUBES token.
pub const DECIMALS: u32 = 12;
/// One NUBES in the smallest unit.
pub const UNIT: u128 = 10u128.pow(DECIMALS);

/// `amount` (smallest units) as NUBES, trailing zeros of the fraction dropped: `1.5 NUBES`.
pub fn format(amount: u128) -> String {
	let whole = amount / UNIT;
	let fraction = amount % UNIT;
	if fraction == 0 {
		return format!("{whole} NUBES");
	}
	let digits = format!("{fraction:0width$}", width = DECIMALS as usize);
	format!("{whole}.{} NUBES", digits.trim_end_matches('0'))
}

/// Reads an amount in NUBES (`1.5`, `1.5NUBES`, `0.000000000001`) or, with a `u` suffix, in
/// smallest units (`1500u`).
pub fn parse(text: &str) -> Result<u128, ClientError> {
	let bad = || {
		ClientError::BadInput(format!(
			"{text:?} is not an amount: write NUBES like 1.5, or smallest units like 1500u"
		))
	};
	let text = text.trim();
	if let Some(units) = text.strip_suffix('u') {
		return units.parse().map_err(|_| bad());
	}
	let text = text.strip_suffix("NUBES").unwrap_or(text).trim();
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	if whole.is_empty() && fraction.is_empty()
		|| fraction.len() > DECIMALS as usize
		|| !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit())
	{
		return Err(bad());
	}
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
	let padded = format!("{fraction:0<width$}", width = DECIMALS as usize);
	let fraction: u128 = padded.parse().map_err(|_| bad())?;
	whole.checked_mul(UNIT).and_then(|w| w.checked_add(fraction)).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn formats_with_the_token_decimals() {
		assert_eq!(format(0), "0 NUBES");
		assert_eq!(format(UNIT), "1 NUBES");
		assert_eq!(format(UNIT + UNIT / 2), "1.5 NUBES");
		assert_eq!(format(1), "0.000000000001 NUBES");
	}

	#[test]
	fn parses_nubes_and_units_and_refuses_the_rest() {
		assert_eq!(parse("1.5").unwrap(), UNIT + UNIT / 2);
		assert_eq!(parse("2 NUBES").unwrap(), 2 * UNIT);
		assert_eq!(parse(".25").unwrap(), UNIT / 4);
		assert_eq!(parse("1500u").unwrap(), 1_500);
		for bad in ["", ".", "1.0000000000001", "-1", "1e3", "abc", "99999999999999999999999999999"]
		{
			assert!(parse(bad).is_err(), "{bad:?} was accepted");
		}
	}
}
