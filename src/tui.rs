//! The full-screen mode `top` and `replay` share: the terminal, taken over
//! and given back, and the keys, read as what they ask for. The one place
//! that knows the terminal library's key codes, so that a key means the
//! same in both views.

use std::io;
use std::time::Instant;

use anyhow::Context as _;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind};
use ratatui::{DefaultTerminal, Frame};

use crate::model::top::TopSort;

/// What a key asks for. A view ignores what it does not offer (replay
/// keeps no threads; top cannot step through time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// q or Esc.
    Quit,
    /// One of [`TopSort::key`].
    Sort(TopSort),
    /// H: threads instead of processes, or back.
    Threads,
    /// o: only the rows that did something, or all.
    OnlyActive,
    /// a: totals instead of rates, or back.
    Accumulated,
    /// Right or t: the next interval.
    Next,
    /// Left or T: the previous interval.
    Previous,
    /// g: go to a time, typed next.
    GoTo,
}

/// A key typed into a line being edited (the time `g` asks for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Char(char),
    Backspace,
    Enter,
    Cancel,
}

/// What came from the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Action(Action),
    Edit(Edit),
    /// A key pressed that means nothing here.
    Unbound,
    /// Not a key pressed (a resize, a key released): the screen may be
    /// drawn again, nothing else.
    Other,
}

/// The terminal in full-screen mode; given back when dropped, so that an
/// error leaves the screen as it was before it is printed.
pub struct FullScreen {
    terminal: DefaultTerminal,
}

impl FullScreen {
    /// Takes the terminal over; `plain` is the command to suggest when
    /// standard output is not a terminal.
    pub fn open(plain: &str) -> anyhow::Result<FullScreen> {
        if !io::IsTerminal::is_terminal(&io::stdout()) {
            anyhow::bail!("stdout is not a terminal: use `{plain}` for plain tables");
        }
        let terminal = ratatui::try_init().context("setting up the terminal")?;
        Ok(FullScreen { terminal })
    }

    pub fn draw(&mut self, frame: impl FnOnce(&mut Frame)) -> anyhow::Result<()> {
        self.terminal.draw(frame)?;
        Ok(())
    }

    /// Waits for the next input until `due`; None when the time came
    /// first. `editing`: keys go to a line being typed, not to actions.
    pub fn next_input(&self, due: Instant, editing: bool) -> anyhow::Result<Option<Input>> {
        let Some(left) = due.checked_duration_since(Instant::now()) else {
            return Ok(None);
        };
        if !event::poll(left)? {
            return Ok(None);
        }
        Ok(Some(match event::read()? {
            Event::Key(k) if k.kind == KeyEventKind::Press => {
                let input = if editing {
                    edit(k.code).map(Input::Edit)
                } else {
                    action(k.code).map(Input::Action)
                };
                input.unwrap_or(Input::Unbound)
            }
            _ => Input::Other,
        }))
    }
}

impl Drop for FullScreen {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// The key map of both views.
fn action(code: KeyCode) -> Option<Action> {
    Some(match code {
        KeyCode::Char('q') | KeyCode::Esc => Action::Quit,
        KeyCode::Char('H') => Action::Threads,
        KeyCode::Char('o') => Action::OnlyActive,
        KeyCode::Char('a') => Action::Accumulated,
        KeyCode::Right | KeyCode::Char('t') => Action::Next,
        KeyCode::Left | KeyCode::Char('T') => Action::Previous,
        KeyCode::Char('g') => Action::GoTo,
        KeyCode::Char(c) => Action::Sort(*TopSort::ALL.iter().find(|s| s.key() == c)?),
        _ => return None,
    })
}

fn edit(code: KeyCode) -> Option<Edit> {
    Some(match code {
        KeyCode::Enter => Edit::Enter,
        KeyCode::Esc => Edit::Cancel,
        KeyCode::Backspace => Edit::Backspace,
        KeyCode::Char(c) => Edit::Char(c),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No key does two things, and a sort key is never taken by another
    /// action: a new sort column cannot shadow a view's key unnoticed.
    #[test]
    fn every_sort_key_sorts() {
        for s in TopSort::ALL {
            assert_eq!(action(KeyCode::Char(s.key())), Some(Action::Sort(s)));
        }
        assert_eq!(action(KeyCode::Char('x')), None);
        assert_eq!(action(KeyCode::Left), Some(Action::Previous));
        assert_eq!(edit(KeyCode::Char('q')), Some(Edit::Char('q')));
    }
}
