// The string formats custom resources are checked against: apiextensions-apiserver's supported
// list (pkg/apiserver/validation/formats.go; any other format is ignored) with kube-openapi
// strfmt's checks (net.ParseIP and friends, govalidator's patterns, RFC 3339 dates). Pure.

type Check = (value: string) => boolean;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const HOSTNAME = /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const HEXCOLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const RGB_PART = '\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*';
const RGBCOLOR = new RegExp(`^rgb\\(${RGB_PART},${RGB_PART},${RGB_PART}\\)$`);
const SSN = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const CREDITCARD = /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;
const DURATION_UNITS = new Set(['ns', 'us', 'µs', 'ms', 's', 'm', 'h', 'd', 'w']);
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$/;

function isDate(value: string): boolean {
  const m = DATE.exec(value);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= (days[mo - 1] ?? 0);
}

/** strfmt.IsDateTime: a date, `t`, and a time with a zone (either case). */
function isDateTime(value: string): boolean {
  if (value.length < 4) return false;
  const parts = value.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0] ?? '')) return false;
  const m = TIME.exec(parts[1] ?? '');
  if (m === null) return false;
  return (m[1] ?? '') <= '23' && (m[2] ?? '') <= '59' && (m[3] ?? '') <= '59';
}

/** net.ParseIP of a dotted IPv4 address (leading zeros tolerated, as ParseIPSloppy). */
function isIPv4Text(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6Text(value: string): boolean {
  if (!value.includes(':')) return false;
  let text = value;
  let groupsNeeded = 8;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4Text(tail)) return false;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const all = halves.flatMap(groups);
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  if (halves.length === 2) return all.length < groupsNeeded;
  groupsNeeded = 8;
  return all.length === groupsNeeded;
}

function isCIDR(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  if (isIPv4Text(ip)) return Number(bits) <= 32;
  return isIPv6Text(ip) && Number(bits) <= 128;
}

/** net.ParseMAC: 6, 8 or 20 octets with ':' or '-', or dotted groups of four hex digits. */
function isMAC(value: string): boolean {
  for (const n of [6, 8, 20]) {
    if (new RegExp(`^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){${n - 1}}$`).test(value)) return true;
    if (new RegExp(`^[0-9a-fA-F]{2}(-[0-9a-fA-F]{2}){${n - 1}}$`).test(value)) return true;
    if (new RegExp(`^[0-9a-fA-F]{4}(\\.[0-9a-fA-F]{4}){${n / 2 - 1}}$`).test(value)) return true;
  }
  return false;
}

function isHostname(value: string): boolean {
  return HOSTNAME.test(value) && value.length <= 255 && value.split('.').every((p) => p.length <= 63);
}

/** net/mail.ParseAddress, roughly: `local@domain` or `Name <local@domain>`. */
function isEmail(value: string): boolean {
  const m = /^(?:[^<>]*<([^<>]+)>|([^<>\s]+))$/.exec(value.trim());
  const addr = m?.[1] ?? m?.[2];
  return addr !== undefined && /^[^@\s"(),:;<>[\]\\]+@[^@\s"(),:;<>[\]\\]+$/.test(addr);
}

/** url.ParseRequestURI: an absolute URI or an absolute path, without spaces or control characters. */
function isRequestURI(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (value === '' || /[\s\x00-\x1f\x7f]/.test(value)) return false;
  if (value.startsWith('/')) return true;
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value);
}

function isISBN10(value: string): boolean {
  const s = value.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (i + 1) * (s[i] === 'X' ? 10 : Number(s[i]));
  return sum % 11 === 0;
}

function isISBN13(value: string): boolean {
  const s = value.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(s[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(s[12]);
}

function isCreditCard(value: string): boolean {
  const s = value.replace(/[^0-9]/g, '');
  if (!CREDITCARD.test(s)) return false;
  let sum = 0;
  let double = false;
  for (let i = s.length - 1; i >= 0; i--) {
    let d = Number(s[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** strfmt.ParseDuration: Go's time.ParseDuration, or `<n> <unit>` pairs (units up to weeks). */
function isDuration(value: string): boolean {
  if (GO_DURATION.test(value)) return true;
  const pairs = [...value.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)];
  if (pairs.length === 0) return false;
  return pairs.every((m) => {
    const unit = (m[2] ?? '').toLowerCase();
    return DURATION_UNITS.has(unit) || DURATION_UNITS.has(unit.replace(/s$/, '')) || /^(nano|micro|milli)?seconds?$|^minutes?$|^hours?$|^days?$|^weeks?$/.test(unit);
  });
}

const FORMATS: Readonly<Record<string, Check>> = {
  bsonobjectid: (v) => /^[0-9a-fA-F]{24}$/.test(v),
  uri: isRequestURI,
  email: isEmail,
  hostname: isHostname,
  ipv4: isIPv4Text,
  ipv6: isIPv6Text,
  cidr: isCIDR,
  mac: isMAC,
  uuid: (v) => UUID.test(v),
  uuid3: (v) => UUID3.test(v),
  uuid4: (v) => UUID4.test(v),
  uuid5: (v) => UUID5.test(v),
  isbn: (v) => isISBN10(v) || isISBN13(v),
  isbn10: isISBN10,
  isbn13: isISBN13,
  creditcard: isCreditCard,
  ssn: (v) => SSN.test(v),
  hexcolor: (v) => HEXCOLOR.test(v),
  rgbcolor: (v) => RGBCOLOR.test(v),
  byte: (v) => BASE64.test(v),
  password: () => true,
  date: isDate,
  duration: isDuration,
  datetime: isDateTime,
};

/**
 * The format a schema is checked against: its `format` when apiextensions supports it (after
 * go-openapi's name normalization, which drops '-': `date-time` is `datetime`), else ''.
 */
export function supportedFormat(format: string): string {
  return format !== '' && Object.hasOwn(FORMATS, format.replace(/-/g, '')) ? format : '';
}

/** Whether value is valid in a supported format. */
export function checkFormat(format: string, value: string): boolean {
  const check = FORMATS[format.replace(/-/g, '')];
  return check === undefined || check(value);
}
