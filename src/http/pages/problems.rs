//! The GOV.UK error pattern: every problem of a form at once, in a summary
//! at the top whose links move focus to the fields, and again beside each
//! field (`templates/problems.html` draws the summary).

/// One problem with a submitted form.
pub struct Problem {
    /// The field it is about.
    pub field: &'static str,
    /// The id of the input the summary's link moves focus to: the field's
    /// own, or a part of it (the month of a date).
    pub anchor: &'static str,
    pub message: String,
}

/// The problems of one submission, in the order of the form's fields.
#[derive(Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn add(&mut self, field: &'static str, anchor: &'static str, message: String) {
        self.0.push(Problem { field, anchor, message });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }

    /// The message shown beside `field`, if it has a problem.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|p| p.field == field).map(|p| p.message.as_str())
    }
}
