/**
 * Administrative division codes (GB/T 2260): six digits, province · city · county, two each,
 * "00" where a level is the whole of the one above (140000 is Shanxi, 140100 Taiyuan, 140105
 * Xiaodian district). A regulator scoped to a code sees the sites of every code under it.
 */

/** The province-level divisions (the first two digits), by code. */
const provinces: Record<string, string> = {
  '11': 'Beijing', '12': 'Tianjin', '13': 'Hebei', '14': 'Shanxi', '15': 'Inner Mongolia',
  '21': 'Liaoning', '22': 'Jilin', '23': 'Heilongjiang',
  '31': 'Shanghai', '32': 'Jiangsu', '33': 'Zhejiang', '34': 'Anhui', '35': 'Fujian', '36': 'Jiangxi', '37': 'Shandong',
  '41': 'Henan', '42': 'Hubei', '43': 'Hunan', '44': 'Guangdong', '45': 'Guangxi', '46': 'Hainan',
  '50': 'Chongqing', '51': 'Sichuan', '52': 'Guizhou', '53': 'Yunnan', '54': 'Tibet',
  '61': 'Shaanxi', '62': 'Gansu', '63': 'Qinghai', '64': 'Ningxia', '65': 'Xinjiang',
  '71': 'Taiwan', '81': 'Hong Kong', '82': 'Macao',
};

/** Why `code` is not a GB/T 2260 division code; undefined when it is one. */
export function regionCodeProblem(code: string): string | undefined {
  if (!/^\d{6}$/.test(code)) return 'is not six digits; a division code (GB/T 2260) is six, e.g. 140100 for Taiyuan, Shanxi';
  if (!(code.slice(0, 2) in provinces)) return `starts with ${code.slice(0, 2)}, which is no province-level division (GB/T 2260: 11 Beijing … 14 Shanxi … 82 Macao)`;
  if (code.slice(2, 4) === '00' && code.slice(4) !== '00') return 'names a county under city 00; a county code needs its city (the middle two digits)';
  return undefined;
}

/** The code's prefix that every division under it shares: 14 for 140000, 1401 for 140100, 140105 for itself. */
export function regionPrefix(code: string): string {
  if (code.endsWith('0000')) return code.slice(0, 2);
  if (code.endsWith('00')) return code.slice(0, 4);
  return code;
}

/** True when division `code` is `scope` or lies within it. */
export function regionWithin(code: string, scope: string): boolean {
  return code.startsWith(regionPrefix(scope));
}
