//! Pure clinical rules: no database, no clock, no I/O. Every function takes `today` (a date in
//! the configured time zone) when it needs one, and every threshold has a unit test.

pub mod age;
pub mod antihypertensives;
pub mod blood_pressure;
pub mod c4;
pub mod c5;
pub mod codes;
pub mod cv_risk;
pub mod diabetes;
pub mod diabetes_followup;
pub mod exams;
pub mod hiperdia;
pub mod indicator;
pub mod kidney;
pub mod mrpa;
pub mod sex;
