import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../api/errors.ts';
import {
  accessModesString, isIPv6String, parseIP, quantityString, validateCIDR, validateFQDN, validateIP, validateIPFamilyAddress,
  validateNonSpecialIP,
} from './common.ts';

const render = (errs: Parameters<typeof fieldErrorString>[0][]): string[] => errs.map(fieldErrorString);

describe('IPs as k8s.io/utils/net parses them', () => {
  it('takes what Go\'s sloppy parser takes', () => {
    for (const ok of ['10.0.0.1', '010.000.000.001', '0.0.0.0', '::', '::1', 'fd00::1', '2001:db8::ffff', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::']) {
      expect(parseIP(ok), ok).toBeDefined();
    }
    for (const bad of ['', '10.0.0', '10.0.0.256', '10.0.0.1.1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1', '12345::', 'a.b.c.d', ' 10.0.0.1', '10.0.0.1/8']) {
      expect(parseIP(bad), bad).toBeUndefined();
    }
  });

  it('tells the families apart, IPv4-mapped addresses being IPv4', () => {
    expect(isIPv6String('fd00::1')).toBe(true);
    expect(isIPv6String('10.0.0.1')).toBe(false);
    expect(isIPv6String('::ffff:10.0.0.1')).toBe(false);
    expect(render(validateIPFamilyAddress('fd00::1', 'a', false))).toEqual(['a: Invalid value: "fd00::1": must be a valid IPv4 address']);
    expect(render(validateIPFamilyAddress('10.0.0.1', 'a', true))).toEqual(['a: Invalid value: "10.0.0.1": must be a valid IPv6 address']);
  });

  it('words invalid and special IPs as kube does', () => {
    expect(render(validateIP('x', 'ip'))).toEqual(['ip: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
    expect(render(validateNonSpecialIP('::', 'ip'))).toEqual(['ip: Invalid value: "::": may not be unspecified (::)']);
    expect(render(validateNonSpecialIP('::1', 'ip'))).toEqual(['ip: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)']);
    expect(render(validateNonSpecialIP('::ffff:127.0.0.1', 'ip'))).toEqual(['ip: Invalid value: "::ffff:127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']);
    expect(render(validateNonSpecialIP('fe80::1', 'ip'))).toEqual(['ip: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']);
    expect(render(validateNonSpecialIP('ff02::1', 'ip'))).toEqual(['ip: Invalid value: "ff02::1": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)']);
    expect(render(validateNonSpecialIP('10.0.0.1', 'ip'))).toEqual([]);
  });

  it('CIDRs and FQDNs', () => {
    expect(render(validateCIDR('10.0.0.0/8', 'c'))).toEqual([]);
    expect(render(validateCIDR('fd00::/64', 'c'))).toEqual([]);
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '/8', '10.0.0.0/x']) {
      expect(render(validateCIDR(bad, 'c'))).toEqual([`c: Invalid value: "${bad}": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`]);
    }
    expect(render(validateFQDN('example.com.', 'f'))).toEqual([]);
    expect(render(validateFQDN('', 'f'))).toEqual(['f: Required value']);
  });
});

describe('small printers', () => {
  it('access modes and quantities', () => {
    expect(accessModesString(['ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOnce', 'x'])).toBe('RWO,ROX,RWX,RWOP');
    expect(accessModesString('nope')).toBe('');
    expect(quantityString(undefined)).toBe('0');
    expect(quantityString('1024Mi')).toBe('1Gi');
    expect(quantityString(1.5)).toBe('1500m');
  });
});
