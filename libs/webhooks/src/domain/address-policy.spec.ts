import { blockedReason, embeddedIPv4, hostAllowed } from './address-policy';

describe('blockedReason (SSRF address classification)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['2001:2::1', 'benchmarking'],
    ['3fff::1', 'documentation'],
    ['64:ff9b:1::7f00:1', 'local-use NAT64'],
    ['64:ff9b:1:7f00:1::', 'local-use NAT64'],
  ])('refuses %s as %s', (address, reason) => {
    expect(blockedReason(address)).toBe(reason);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:0:7f00:1', 'loopback'], // IPv4-translated (::ffff:0:0/96)
    ['::ffff:0:10.0.0.1', 'private'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['64:ff9b::a9fe:a9fe', 'cloud metadata'],
    ['::ffff:a9fe:101', 'link-local'],
    ['::127.0.0.1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a00:1::5', 'private'],
    ['2002:a9fe:a9fe::1', 'cloud metadata'],
  ])('judges IPv4 carried in IPv6 (%s) as the IPv4 address (%s)', (address, reason) => {
    expect(blockedReason(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1'])(
    'lets the public address %s through',
    (address) => {
      expect(blockedReason(address)).toBeNull();
    },
  );

  it('calls what is not an address invalid', () => {
    expect(blockedReason('example.com')).toBe('invalid');
  });

  it('finds the IPv4 address inside mapped, NAT64 and compatible IPv6 only', () => {
    expect(embeddedIPv4('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(embeddedIPv4('64:ff9b::102:304')).toBe('1.2.3.4');
    expect(embeddedIPv4('2606:4700::1111')).toBeNull();
    expect(embeddedIPv4('::1')).toBeNull();
  });
});

describe('hostAllowed (WEBHOOK_ALLOWED_HOSTS)', () => {
  it('matches host and port patterns with * wildcards', () => {
    expect(hostAllowed(['127.0.0.1:*'], '127.0.0.1', 41234)).toBe(true);
    expect(hostAllowed(['127.0.0.1:8080'], '127.0.0.1', 8080)).toBe(true);
    expect(hostAllowed(['127.0.0.1:8080'], '127.0.0.1', 8081)).toBe(false);
    expect(hostAllowed(['*.corp.internal'], 'hooks.corp.internal', 443)).toBe(true);
    expect(hostAllowed(['*.corp.internal'], 'corp.internal.evil.com', 443)).toBe(false);
    expect(hostAllowed(['[::1]:*'], '[::1]', 80)).toBe(true);
    expect(hostAllowed(['localhost'], 'LOCALHOST', 80)).toBe(true);
    expect(hostAllowed([], '127.0.0.1', 80)).toBe(false);
    expect(hostAllowed(['127.0.0.1'], '127.0.0.10', 80)).toBe(false);
  });
});
