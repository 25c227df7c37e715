/** An energy report as CSV (RFC 4180): one row per energy, total and production line, each naming its sources, measured calorific values included. */
import type { EnergyReport } from './energy-report.js';

const cell = (value: string | number | null) => {
  if (value === null) return '';
  const text = typeof value === 'number' ? String(Number(value.toPrecision(12))) : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function reportCsv(report: EnergyReport): string {
  const { standardCoal, co2 } = report.sources;
  const coalSource = `${standardCoal.table} ${standardCoal.version}`;
  const co2Source = `${co2.table} ${co2.version}, grid ${co2.gridYear} ${co2.gridRegion} ${co2.kgCo2PerKwh} kgCO2/kWh`;
  const rows: Array<Array<string | number | null>> = [['section', 'metric', 'energy', 'quantity', 'unit', 'kgce_per_unit', 'tce', 'tce_equal_value', 'tco2', 'source']];
  for (const line of report.energy) {
    // kgce_per_unit stays the table's; the measured values that replaced it for part of the quantity say so in the source.
    const measured = line.measured.map((use) => `; measured ${use.ncvKjPerUnit} kJ/${line.coefficientUnit} of ${use.enterpriseCode} from ${new Date(use.validFromMs).toISOString()} (${use.note}) for ${use.quantity} ${line.coefficientUnit}`);
    rows.push(['energy', line.metric, line.energy, line.quantity, line.unit, line.kgcePerUnit, line.tce, line.tceEqualValue, line.tco2, `${coalSource}; ${co2Source}${measured.join('')}`]);
  }
  rows.push(['total', '', '', null, '', null, report.totals.tce, report.totals.tceEqualValue, report.totals.tco2, `${coalSource}; ${co2Source}`]);
  for (const line of report.production) rows.push(['production', line.metric, '', line.quantity, line.unit, null, null, null, null, `metric catalog ${report.sources.metricCatalog}`]);
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
