//! Resolving a generic netlink family id through the nlctrl controller.
//!
//! netlink-packet-generic has a full `GenlCtrl` type, but its parser rejects
//! the whole reply on any controller attribute it does not know, so a newer
//! kernel could break family resolution. This type reads the two attributes
//! taskstat needs and skips the rest.

use netlink_packet_core::{DecodeError, DefaultNla, Emitable, NlasIterator, ParseableParametrized};
use netlink_packet_generic::{GenlFamily, GenlHeader};

const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;

/// A `CTRL_CMD_GETFAMILY` request, or the controller's answer to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtrlFamily {
    pub cmd: u8,
    pub name: Option<String>,
    pub id: Option<u16>,
}

impl CtrlFamily {
    pub fn get(name: &str) -> Self {
        CtrlFamily {
            cmd: CTRL_CMD_GETFAMILY,
            name: Some(name.to_string()),
            id: None,
        }
    }

    fn nlas(&self) -> Vec<DefaultNla> {
        let mut nlas = Vec::new();
        if let Some(id) = self.id {
            nlas.push(DefaultNla::new(
                CTRL_ATTR_FAMILY_ID,
                id.to_ne_bytes().to_vec(),
            ));
        }
        if let Some(name) = &self.name {
            // NLA_NUL_STRING in the controller's policy.
            let mut v = name.as_bytes().to_vec();
            v.push(0);
            nlas.push(DefaultNla::new(CTRL_ATTR_FAMILY_NAME, v));
        }
        nlas
    }
}

impl GenlFamily for CtrlFamily {
    fn family_name() -> &'static str {
        "nlctrl"
    }
    fn family_id(&self) -> u16 {
        GENL_ID_CTRL
    }
    fn command(&self) -> u8 {
        self.cmd
    }
    fn version(&self) -> u8 {
        2
    }
}

impl Emitable for CtrlFamily {
    fn buffer_len(&self) -> usize {
        self.nlas().as_slice().buffer_len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        self.nlas().as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for CtrlFamily {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let mut out = CtrlFamily {
            cmd: header.cmd,
            name: None,
            id: None,
        };
        for nla in NlasIterator::new(buf) {
            let nla = nla?;
            match nla.kind() {
                CTRL_ATTR_FAMILY_ID => {
                    let v: [u8; 2] = nla
                        .value()
                        .get(..2)
                        .and_then(|b| b.try_into().ok())
                        .ok_or_else(|| {
                            DecodeError::from("CTRL_ATTR_FAMILY_ID shorter than 2 bytes")
                        })?;
                    out.id = Some(u16::from_ne_bytes(v));
                }
                CTRL_ATTR_FAMILY_NAME => {
                    let v = nla.value();
                    let end = v.iter().position(|&c| c == 0).unwrap_or(v.len());
                    out.name = Some(String::from_utf8_lossy(&v[..end]).into_owned());
                }
                _ => {}
            }
        }
        Ok(out)
    }
}
